"""Data tools: CamVid converter, class statistics, browse grid."""
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from conftest import write_png
from mmseg_fastscnn.cli import (browse_dataset, check_dataset, class_stats,
                                convert_camvid)
from mmseg_fastscnn.datasets.camvid_colors import CAMVID32, colors_to_labels

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


def test_every_camvid_colour_maps_to_its_group():
    colours = np.array([[c for c, _ in CAMVID32.values()]], dtype=np.uint8)
    labels, unknown = colors_to_labels(colours)
    assert labels[0].tolist() == [idx for _, idx in CAMVID32.values()]
    assert unknown == {}
    assert len(CAMVID32) == 32


def test_converter_on_generated_release(tmp_path):
    images, labels = tmp_path / 'raw', tmp_path / 'colour'
    rgb = {name: CAMVID32[name][0] for name in
           ('Sky', 'Road', 'LaneMkgsDriv', 'Child', 'Void', 'Wall')}
    colour = np.zeros((4, 6, 3), np.uint8)
    colour[0, :] = rgb['Sky']
    colour[1, :] = rgb['Road']
    colour[1, 0] = rgb['LaneMkgsDriv']
    colour[2, :] = rgb['Child']
    colour[3, :3] = rgb['Wall']
    colour[3, 3:] = (1, 2, 3)  # not a CamVid colour
    for stem in ('0001TP_000001', '0001TP_000002'):
        write_png(str(images / f'{stem}.png'), np.full((4, 6, 3), 90,
                                                       np.uint8))
        write_png(str(labels / f'{stem}_L.png'), colour)
    (tmp_path / 'train.txt').write_text(
        '/SegNet/CamVid/train/0001TP_000001.png '
        '/SegNet/CamVid/trainannot/0001TP_000001.png\n')
    (tmp_path / 'val.txt').write_text('0001TP_000002\n')
    tool = convert_camvid
    out = tmp_path / 'camvid'
    unknown = tool.main([
        '--images', str(images), '--labels', str(labels), '--split',
        f'train={tmp_path / "train.txt"}', '--split',
        f'val={tmp_path / "val.txt"}', '--out', str(out), '--size', 'keep',
        '--nproc', '1'
    ])
    converted = np.asarray(Image.open(out / 'trainannot' / '0001TP_000001.png'))
    assert converted.tolist() == [[0] * 6, [3] * 6, [9] * 6,
                                  [1, 1, 1, 11, 11, 11]]
    assert (out / 'val' / '0001TP_000002.png').is_file()
    assert (out / 'valannot' / '0001TP_000002.png').is_file()
    assert set(unknown) == {(1, 2, 3)}
    count, files = unknown[(1, 2, 3)]
    assert count == 6 and len(files) == 2
    assert all(f.endswith('_L.png') for f in files)
    # --size is HxW, as in export_onnx.py: 2 rows of 3 columns
    resized = tmp_path / 'resized'
    tool.main([
        '--images', str(images), '--labels', str(labels), '--split',
        f'val={tmp_path / "val.txt"}', '--out', str(resized), '--size',
        '2x3', '--nproc', '1'
    ])
    for folder in ('val', 'valannot'):
        out_img = Image.open(resized / folder / '0001TP_000002.png')
        assert np.asarray(out_img).shape[:2] == (2, 3)
    with pytest.raises(ValueError, match=r"HxW .*'0x3'"):
        tool.main(['--images', str(images), '--labels', str(labels),
                   '--split', f'val={tmp_path / "val.txt"}', '--out',
                   str(resized), '--size', '0x3'])


def test_converter_names_missing_label(tmp_path):
    write_png(str(tmp_path / 'raw' / 'a.png'), np.zeros((2, 2, 3), np.uint8))
    (tmp_path / 'colour').mkdir()
    (tmp_path / 'train.txt').write_text('a\n')
    tool = convert_camvid
    with pytest.raises(FileNotFoundError, match='a_L.png'):
        tool.main([
            '--images', str(tmp_path / 'raw'), '--labels',
            str(tmp_path / 'colour'), '--split',
            f'train={tmp_path / "train.txt"}', '--out',
            str(tmp_path / 'o'), '--nproc', '1'
        ])


def test_class_stats_on_camvid_train(camvid_root, tmp_path):
    tool = class_stats
    out = tmp_path / 'stats.json'
    stats = tool.main([camvid_root, '--out', str(out)])
    freq = dict(zip(stats['classes'], stats['frequency']))
    assert freq['Road'] == pytest.approx(0.33, abs=0.01)
    assert freq['Building'] == pytest.approx(0.24, abs=0.01)
    assert freq['Sky'] == pytest.approx(0.175, abs=0.01)
    assert stats['num_images'] == 367
    assert json.loads(out.read_text())['weights'] == stats['weights']
    enet = stats['weights']['enet']
    assert enet[stats['classes'].index('Bicyclist')] > enet[
        stats['classes'].index('Road')]
    # the committed JSON that the main config reads is this tool's output
    committed = json.loads(
        open(osp.join(ROOT, 'configs', '_base_', 'datasets',
                      'camvid_class_stats.json')).read())
    assert committed['weights'] == stats['weights']


def test_class_weight_schemes_on_generated_counts():
    from mmseg_fastscnn.analysis import class_weights
    counts = np.array([80, 20, 0])
    present = np.array([100, 40, 0])
    w = class_weights(counts, present)
    assert w['inverse'][2] == 0 and w['median'][2] == 0
    # inverse frequency: ratio 80/20 = 4, mean 1 over seen classes
    assert w['inverse'][1] / w['inverse'][0] == pytest.approx(4.0)
    assert np.mean(w['inverse'][:2]) == pytest.approx(1.0)
    # median frequency: g = (0.8, 0.5), median 0.65
    assert w['median'][1] / w['median'][0] == pytest.approx(0.8 / 0.5)
    for bad_c in (1.0, 0.5):  # ln(c + f) <= 0: negative or infinite weights
        with pytest.raises(ValueError, match='enet_c must be > 1'):
            class_weights(counts, present, enet_c=bad_c)


def test_class_weight_values_checked(tmp_path, monkeypatch):
    from mmseg_fastscnn.models.losses.class_weight import load_class_weight
    assert load_class_weight([0.5, 2]) == [0.5, 2.0]
    # a relative path is the working directory's, never the repository's
    monkeypatch.chdir(tmp_path)
    relative = 'configs/_base_/datasets/camvid_class_stats.json'
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_class_weight(relative)
    (tmp_path / 'w.json').write_text('{"weights": {"enet": [1.5, 2]}}')
    assert load_class_weight('w.json') == [1.5, 2.0]
    for bad in ([1.0, float('inf')], [1.0, float('nan')], [-1.0, 1.0]):
        with pytest.raises(ValueError, match='>= 0 and finite'):
            load_class_weight(bad)


def test_browse_grid(camvid_root, tmp_path):
    tool = browse_dataset
    out = tmp_path / 'grid.png'
    tool.main([camvid_root, '--split', 'val', '--num', '2', '--out',
               str(out)])
    grid = np.asarray(Image.open(out).convert('RGB'))
    assert grid.shape[0] > 300 and grid.shape[1] > 500
    # the masks are drawn in the exact CamVid palette: road (in every frame)
    # and the class colours together fill much of the grid; photos alone
    # hit these exact colours on well under 1% of pixels
    from mmseg_fastscnn.datasets.camvid import CamVidDataset
    meta = CamVidDataset.METAINFO
    share = {name: (grid == np.array(colour)).all(-1).mean()
             for name, colour in zip(meta['classes'], meta['palette'])}
    assert share['Road'] > 0.03 and sum(share.values()) > 0.2, share


def test_check_dataset_tool(tmp_path, capsys, camvid_root):
    from conftest import make_split
    tool = check_dataset
    assert tool.main([camvid_root, '--splits', 'val']) == 0
    assert 'val: 101 pairs, 0 problem(s)' in capsys.readouterr().out
    root = str(tmp_path)
    make_split(root, 'train', 3)
    bad = np.zeros((24, 32), np.uint8)
    bad[0, 0] = 200
    write_png(osp.join(root, 'trainannot', 'img_001.png'), bad)
    assert tool.main([root]) == 1
    out = capsys.readouterr().out
    assert 'img_001.png: label values outside 0..11: 200' in out
    assert 'test: not present, skipped' in out
