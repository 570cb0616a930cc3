"""LoadImageFromFileOnce / LoadAnnotationsOnce: each file decoded once per
process, the same results as mmcv's and mmseg's loaders, and a copy handed
out each time."""
import os.path as osp
from unittest import mock

import mmcv
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmseg.datasets.transforms import LoadAnnotations

from mmseg_fastscnn.datasets import LoadAnnotationsOnce, LoadImageFromFileOnce
from tests.utils import make_split


def results_for(root: str, name: str) -> dict:
    return dict(img_path=osp.join(root, 'train', name + '.png'),
                seg_map_path=osp.join(root, 'trainannot', name + '.png'),
                reduce_zero_label=False, seg_fields=[])


def test_decoded_once_same_as_toolbox_loaders(tmp_path):
    names = make_split(str(tmp_path), 'train', 2)
    loaders = [(LoadImageFromFile(), LoadAnnotations()),
               (LoadImageFromFileOnce(), LoadAnnotationsOnce())]
    decode = mmcv.imfrombytes
    with mock.patch('mmcv.imfrombytes', side_effect=decode) as counted:
        for _ in range(3):  # three epochs
            for name in names:
                plain, once = (
                    load_seg(load_img(results_for(str(tmp_path), name)))
                    for load_img, load_seg in loaders)
                assert plain.keys() == once.keys()
                for key in ('img', 'gt_seg_map'):
                    np.testing.assert_array_equal(plain[key], once[key])
                for key in ('img_shape', 'ori_shape', 'seg_fields'):
                    assert plain[key] == once[key]
    # the plain loaders decode 2 files per frame and epoch, ours in epoch 1
    assert counted.call_count == 3 * 2 * 2 + 2 * 2


def test_later_transforms_cannot_change_the_kept_frame(tmp_path):
    name = make_split(str(tmp_path), 'train', 1)[0]
    load_img, load_seg = LoadImageFromFileOnce(), LoadAnnotationsOnce()
    first = load_seg(load_img(results_for(str(tmp_path), name)))
    kept_img, kept_seg = first['img'].copy(), first['gt_seg_map'].copy()
    first['img'][:] = 0  # as an in-place augmentation would
    first['gt_seg_map'][:] = 255
    second = load_seg(load_img(results_for(str(tmp_path), name)))
    np.testing.assert_array_equal(second['img'], kept_img)
    np.testing.assert_array_equal(second['gt_seg_map'], kept_seg)
    second['img'][:] = 7
    third = load_img(results_for(str(tmp_path), name))
    np.testing.assert_array_equal(third['img'], kept_img)


def test_cache_stops_growing_at_its_bound(tmp_path):
    """A bound of one frame: the first frame is kept, the second is decoded
    on every load (results still the toolbox's), and memory stays at one
    frame; a bad bound is named."""
    import pytest
    names = make_split(str(tmp_path), 'train', 2)
    first = LoadImageFromFile()(results_for(str(tmp_path), names[0]))['img']
    load_img = LoadImageFromFileOnce(max_cache_mb=first.nbytes / 2**20)
    decode = mmcv.imfrombytes
    with mock.patch('mmcv.imfrombytes', side_effect=decode) as counted:
        for _ in range(3):
            for name in names:
                plain = LoadImageFromFile()(results_for(str(tmp_path), name))
                once = load_img(results_for(str(tmp_path), name))
                np.testing.assert_array_equal(plain['img'], once['img'])
    # plain: 6 decodes; ours: the first frame once, the second 3 times
    assert counted.call_count == 6 + 1 + 3
    assert list(load_img.cache.arrays) == [
        results_for(str(tmp_path), names[0])['img_path']]
    assert load_img.cache.nbytes == first.nbytes
    with pytest.raises(ValueError, match='max_cache_mb must be a number'):
        LoadAnnotationsOnce(max_cache_mb=-1)
