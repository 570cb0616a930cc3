"""CamVid dataset on the real data and integrity checks on generated files."""
import os
import os.path as osp
import shutil

import numpy as np
import pytest
from mmseg.registry import DATASETS
from PIL import Image

from mmseg_fastscnn.datasets import (CAMVID_CLASSES, DataIntegrityError,
                                     check_pair)
from tests.utils import CONFIG, make_split, write_png

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def build(root, split='train', **kwargs):
    return DATASETS.build(
        dict(
            type='CamVidDataset',
            data_root=root,
            data_prefix=dict(img_path=split, seg_map_path=split + 'annot'),
            pipeline=PIPELINE,
            **kwargs))


def test_real_camvid_sizes_and_labels(camvid_root):
    train = build(camvid_root, 'train')
    val = build(camvid_root, 'val')
    assert len(train) == 367 and len(val) == 101
    assert train.metainfo['classes'] == CAMVID_CLASSES
    assert len(train.metainfo['palette']) == 11
    seen = set()
    for i in range(0, 101, 10):
        sample = val[i]
        labels = sample['gt_seg_map']
        assert labels.shape == sample['img'].shape[:2] == (360, 480)
        seen |= set(np.unique(labels).tolist())
    assert seen <= set(range(11)) | {255}
    assert 255 in seen  # void was mapped to the ignore index
    assert 11 not in seen


def test_void_becomes_255_and_classes_kept(tmp_path):
    root = str(tmp_path)
    make_split(root, 'train', 1)
    label = np.array([[0, 5, 10, 11]] * 4, dtype=np.uint8)
    write_png(osp.join(root, 'trainannot', 'img_000.png'), label)
    write_png(osp.join(root, 'train', 'img_000.png'),
              np.zeros((4, 4, 3), np.uint8))
    out = build(root)[0]['gt_seg_map']
    assert out[0].tolist() == [0, 5, 10, 255]


def test_split_chosen_by_data_prefix(tmp_path):
    root = str(tmp_path)
    make_split(root, 'test', 3)
    make_split(root, 'train', 2, seed=1)
    assert len(build(root, 'test')) == 3
    assert len(build(root, 'train')) == 2


def corrupt_split(root):
    """Four bad pairs out of eight: truncated, size mismatch, orphans,
    label 200."""
    names = make_split(root, 'train', 8)
    seg = lambda n: osp.join(root, 'trainannot', n + '.png')  # noqa: E731
    img = lambda n: osp.join(root, 'train', n + '.png')  # noqa: E731
    data = open(img(names[0]), 'rb').read()
    with open(img(names[0]), 'wb') as f:  # truncated PNG
        f.write(data[:len(data) // 2])
    write_png(seg(names[1]), np.zeros((10, 10), np.uint8))  # size mismatch
    os.remove(seg(names[2]))  # image without mask
    write_png(osp.join(root, 'trainannot', 'lonely.png'),
              np.zeros((24, 32), np.uint8))  # mask without image
    bad = np.zeros((24, 32), np.uint8)
    bad[3, 3] = 200
    write_png(seg(names[3]), bad)  # label 200
    return names


def test_every_problem_is_reported_with_its_file(tmp_path):
    root = str(tmp_path)
    names = corrupt_split(root)
    with pytest.raises(DataIntegrityError) as info:
        build(root)
    message = str(info.value)
    paths = {p.path for p in info.value.problems}
    assert osp.join(root, 'train', names[0] + '.png') in paths
    assert 'truncated' in message
    assert osp.join(root, 'trainannot', names[1] + '.png') in paths
    assert 'differs from its image' in message
    assert osp.join(root, 'train', names[2] + '.png') in paths
    assert 'image without label map' in message
    assert osp.join(root, 'trainannot', 'lonely.png') in paths
    assert 'label map without image' in message
    assert osp.join(root, 'trainannot', names[3] + '.png') in paths
    assert 'outside 0..11: 200' in message
    assert len(info.value.problems) == 5


def test_skip_mode_drops_exactly_the_bad_pairs(tmp_path):
    root = str(tmp_path)
    names = corrupt_split(root)
    with pytest.warns(UserWarning, match='skipping 3 bad pair.* and 2 unpaired file'):
        dataset = build(root, bad_data='skip')
    kept = sorted(
        osp.basename(dataset.get_data_info(i)['img_path'])
        for i in range(len(dataset)))
    assert kept == [n + '.png' for n in names[4:]]
    for i in range(len(dataset)):
        assert dataset[i]['gt_seg_map'].shape == (24, 32)


def test_bad_dataset_arguments(tmp_path):
    with pytest.raises(FileNotFoundError, match='data_root not found'):
        build(str(tmp_path / 'nowhere'))
    os.makedirs(tmp_path / 'train')
    os.makedirs(tmp_path / 'trainannot')
    with pytest.raises(ValueError, match='empty split'):
        build(str(tmp_path))
    with pytest.raises(ValueError, match='bad_data'):
        build(str(tmp_path), bad_data='ignore')


def test_check_pair_rejects_colour_and_16bit_labels(tmp_path):
    img = write_png(str(tmp_path / 'a.png'), np.zeros((4, 4, 3), np.uint8))
    rgb = write_png(str(tmp_path / 'rgb.png'), np.zeros((4, 4, 3), np.uint8))
    problems = check_pair(img, rgb, 11)
    assert problems and 'single-channel' in problems[0].reason
    deep = str(tmp_path / 'deep.png')
    Image.fromarray(np.zeros((4, 4), np.uint16)).save(deep)
    problems = check_pair(img, deep, 11)
    assert problems and problems[0].path == deep


def test_missing_folder_named(tmp_path):
    shutil.rmtree(tmp_path, ignore_errors=True)
    os.makedirs(tmp_path / 'train')
    with pytest.raises(FileNotFoundError, match='trainannot'):
        build(str(tmp_path))


def test_joint_augmentation_keeps_image_and_mask_aligned(tmp_path):
    """The image encodes its own labels (value = 20 * label): after the
    config's geometric augmentation they must still agree."""
    from mmengine.config import Config
    from mmseg.registry import TRANSFORMS
    cfg = Config.fromfile(CONFIG)
    steps = [
        dict(t, prob=1.0) if t['type'] == 'RandomRotate' else t
        for t in cfg.train_pipeline
        if t['type'] not in ('PhotoMetricDistortion', 'PackSegInputs')
    ]
    assert [s['type'] for s in steps] == [
        'LoadImageFromFileOnce', 'LoadAnnotationsOnce', 'RandomResize',
        'RandomCrop', 'RandomFlip', 'RandomRotate'
    ]
    labels = np.zeros((360, 480), np.uint8)
    for i in range(11):  # vertical stripes plus a block
        labels[:, i * 44:(i + 1) * 44] = i
    labels[100:200, 50:300] = 3
    image = np.repeat((labels * 20)[..., None], 3, axis=2).astype(np.uint8)
    write_png(str(tmp_path / 'train' / 'a.png'), image)
    write_png(str(tmp_path / 'trainannot' / 'a.png'), labels)
    pipeline = [TRANSFORMS.build(s) for s in steps]
    for seed in range(5):
        np.random.seed(seed)
        results = dict(
            img_path=str(tmp_path / 'train' / 'a.png'),
            seg_map_path=str(tmp_path / 'trainannot' / 'a.png'),
            label_map={i: i for i in range(11)},
            reduce_zero_label=False,
            seg_fields=[])
        for t in pipeline:
            results = t(results)
        img, seg = results['img'], results['gt_seg_map']
        assert img.shape[:2] == seg.shape
        valid = seg != 255
        agree = np.abs(img[..., 0][valid].astype(int) - 20 * seg[valid]) <= 10
        assert agree.mean() > 0.95, (seed, agree.mean())


@pytest.mark.parametrize('channels', [1, 4])
def test_images_must_be_rgb(tmp_path, channels):
    shape = (4, 4) if channels == 1 else (4, 4, 4)
    img = write_png(str(tmp_path / 'img.png'), np.zeros(shape, np.uint8))
    seg = write_png(str(tmp_path / 'seg.png'), np.zeros((4, 4), np.uint8))
    problems = check_pair(img, seg, 11)
    assert len(problems) == 1 and problems[0].path == img
    assert f'({channels} channel(s))' in problems[0].reason


def test_jpeg_label_named_png_is_refused(tmp_path):
    """JPEG compression changes labels even where the values stay in
    0..11; the file's content, not its name, gives it away."""
    root = str(tmp_path)
    make_split(root, 'train', 2)
    labels = np.tile(np.arange(12, dtype=np.uint8), (24, 3))[:, :32]
    path = osp.join(root, 'trainannot', 'img_001.png')
    Image.fromarray(labels).save(path, format='JPEG', quality=95)
    with pytest.raises(DataIntegrityError,
                       match='img_001.png: label map is a JPEG file'):
        build(root)
