"""Data tools: CamVid converter, class statistics, browse grid, dataset
check."""
import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmseg_fastscnn.cli import (browse_dataset, check_dataset, class_stats,
                                convert_camvid)
from mmseg_fastscnn.datasets.camvid_colors import CAMVID32
from tests.utils import ROOT, make_split, write_png


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
