"""Training on one's own data (docs/own_dataset.md): a generated 5-class
dataset in mmseg's BaseSegDataset layout, the copied config
configs/own_dataset/fastscnn_own-dataset.py, class weights from
tools/analysis/class_stats.py; it trains, tests and infers."""
import glob
import json
import os
import os.path as osp
import re

import numpy as np
import pytest
from PIL import Image

from mmseg_fastscnn.cli import class_stats, infer
from tests.utils import ROOT, run, run_folder, write_png

TEMPLATE = osp.join(ROOT, 'configs', 'own_dataset', 'fastscnn_own-dataset.py')
CLASSES = ('water', 'sand', 'rock', 'boat', 'sky')
PALETTE = [[0, 0, 255], [255, 220, 0], [90, 90, 90], [255, 0, 0],
           [0, 200, 255]]
H, W = 64, 96  # a multiple of 32 each


def make_dataset(root: str) -> None:
    """Frames whose rows are class bands (each class its own colour, with
    noise), a few unlabelled (255) pixels; .jpg images, .png labels."""
    rng = np.random.default_rng(0)
    colours = np.array(PALETTE, dtype=np.int16)
    for split, n in (('train', 8), ('val', 4), ('test', 3)):
        for i in range(n):
            bands = rng.permutation(len(CLASSES))
            labels = np.repeat(bands, -(-H // len(bands)))[:H]
            labels = np.repeat(labels[:, None], W, axis=1).astype(np.uint8)
            image = colours[labels] + rng.integers(-20, 20, (H, W, 3))
            write_png(osp.join(root, 'ann_dir', split, f'f{i:02d}.png'),
                      np.where(rng.random((H, W)) < 0.02, 255, labels)
                      .astype(np.uint8))
            path = osp.join(root, 'img_dir', split, f'f{i:02d}.jpg')
            os.makedirs(osp.dirname(path), exist_ok=True)
            Image.fromarray(image.clip(0, 255).astype(np.uint8)).save(path)


def copy_config(path: str, data_root: str, stats: str) -> str:
    """The template as a user edits it: their data, classes, palette,
    sizes and class statistics (``_base_`` made absolute: the copy is not
    next to the template)."""
    text = open(TEMPLATE).read()
    text = text.replace("'../_base_/", f"'{ROOT}/configs/_base_/")
    edits = {
        'data_root': repr(data_root),
        'classes': repr(CLASSES),
        'palette': repr(PALETTE),
        'img_suffix': "'.jpg'",
        'crop_size': repr((H, W)),
        'test_scale': repr((W, H)),
        'class_stats': repr(stats),
        'max_epochs': '2',
    }
    for key, value in edits.items():
        # the assignment, up to the next assignment or blank/comment line
        pattern = rf'^{key} = .*?(?=^\w+ = |^#|^\n)'
        text, n = re.subn(pattern, f'{key} = {value}\n', text,
                          flags=re.M | re.S)
        assert n == 1, key
    with open(path, 'w') as f:
        f.write(text)
    return path


def test_own_dataset_trains_tests_and_infers(tmp_path, capsys):
    root = str(tmp_path / 'my_dataset')
    make_dataset(root)
    stats_path = str(tmp_path / 'my-dataset_class_stats.json')
    stats = class_stats.main([root, '--split', 'ann_dir/train', '--classes',
                              *CLASSES, '--out', stats_path])
    assert stats['classes'] == list(CLASSES)
    assert stats['split'] == 'ann_dir/train' and stats['num_images'] == 8
    assert len(stats['weights']['enet']) == 5
    assert 0.01 < stats['void_fraction'] < 0.03
    config = copy_config(str(tmp_path / 'fastscnn_my-dataset.py'), root,
                         stats_path)
    work = str(tmp_path / 'work')
    loaders = [f'{s}_dataloader.{k}' for s in ('train', 'val', 'test')
               for k in ('num_workers=0', 'persistent_workers=False')]
    run('tools/train.py', config, '--work-dir', work, '--cfg-options',
        'train_dataloader.batch_size=4', *loaders, timeout=300)
    checkpoint = osp.join(work, 'epoch_2.pth')
    assert osp.isfile(checkpoint), sorted(os.listdir(work))
    log = open(glob.glob(osp.join(work, '*', '*.log'))[0]).read()
    assert 'Epoch(val) [2]' in log  # validated on the held-out split
    test_work = str(tmp_path / 'test')
    run('tools/test.py', config, checkpoint, '--work-dir', test_work,
        '--cfg-options', *loaders, timeout=300)
    folder = run_folder(test_work)
    metrics = json.load(open(osp.join(folder, 'test_metrics.json')))
    assert metrics['evaluated']['images'] == 3
    assert 0 <= metrics['mIoU'] <= 100
    report = json.load(open(osp.join(folder, 'per_class_metrics.json')))
    assert report['classes'] == list(CLASSES)
    assert sorted(report['per_class']) == sorted(CLASSES)
    out = tmp_path / 'infer'
    assert infer.main([config, checkpoint,
                       osp.join(root, 'img_dir', 'test'), '--out-dir',
                       str(out), '--mode', 'prob']) == 3
    assert 'PyTorch fast path' in capsys.readouterr().out
    labels = np.asarray(Image.open(out / 'labels' / 'f00.png'))
    probs = np.load(out / 'prob' / 'f00.npy')
    assert labels.shape == (H, W) and labels.max() < 5
    assert probs.shape == (5, H, W)


def test_class_stats_checks_its_classes(tmp_path):
    root = str(tmp_path / 'd')
    write_png(osp.join(root, 'ann_dir', 'train', 'a.png'),
              np.array([[0, 1], [7, 255]], dtype=np.uint8))
    args = [root, '--split', 'ann_dir/train', '--classes', 'a', 'b', 'c']
    with pytest.raises(ValueError, match=r'a.png: label values \[7\]'):
        class_stats.main(args)
    with pytest.raises(ValueError, match=r'--ignore values must be in '
                       r'3..255 \(not a class\), got \[1\]'):
        class_stats.main(args + ['--ignore', '1'])
    with pytest.raises(ValueError, match='--classes has duplicates'):
        class_stats.main(args + ['a'])
    stats = class_stats.main(args + ['--ignore', '7', '255'])
    assert stats['pixel_count'] == [1, 1, 0]
    assert stats['void_fraction'] == 0.5
