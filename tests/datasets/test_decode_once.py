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
