"""Pasting the pixels of chosen classes from another training frame."""
from typing import List, Sequence

import mmcv
import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomClassPaste(BaseTransform):
    """Copies the pixels of ``class_ids`` from another frame of the dataset,
    image and labels, onto this frame at the same place (class-wise
    copy-paste, as ClassMix, Olsson et al. 2021, mixes two frames).

    Small objects then appear in front of other backgrounds than the ones
    they were filmed against: a sign pasted in front of a tree or the sky,
    not only in front of the building it was recorded on.

    Why our own: mmseg's ``RandomMosaic`` tiles whole frames, and mmdet's
    ``CopyPaste`` pastes instance masks, which semantic labels do not have.

    Used in the pipeline of mmseg's ``MultiImageMixDataset``, which gives it
    the other frame (drawn by :meth:`get_indices`) as
    ``results['mix_results'][0]``, decoded by the wrapped dataset's own
    pipeline. Place it before the geometric transforms, on whole frames.

    Required keys: img (H, W, C), gt_seg_map (H, W), mix_results.
    Modified keys: img, gt_seg_map and the other ``seg_fields``.

    Args:
        class_ids (Sequence[int]): Label values whose pixels are pasted.
        prob (float): Chance that a frame gets pasted pixels. Default: 0.5.
    """

    def __init__(self, class_ids: Sequence[int], prob: float = 0.5) -> None:
        ids = list(class_ids) if isinstance(class_ids, (list, tuple)) else []
        if not ids or not all(
                isinstance(i, int) and not isinstance(i, bool) and i >= 0
                for i in ids):
            raise ValueError('class_ids must be a non-empty list of label '
                             f'values (ints >= 0), got {class_ids!r}')
        if not 0 <= prob <= 1:
            raise ValueError(f'prob must be in [0, 1], got {prob}')
        self.class_ids = ids
        self.prob = prob

    def get_indices(self, dataset) -> List[int]:
        """One frame of ``dataset``, drawn uniformly."""
        return [int(np.random.randint(0, len(dataset)))]

    def transform(self, results: dict) -> dict:
        mixed = results.get('mix_results')
        if not mixed:
            raise KeyError(
                "RandomClassPaste needs another frame in results"
                "['mix_results']: put it in the pipeline of mmseg's "
                'MultiImageMixDataset, not of the dataset itself')
        if np.random.uniform() >= self.prob:
            return results
        source = mixed[0]
        height, width = results['gt_seg_map'].shape[:2]
        source_labels = self._fit(source['gt_seg_map'], height, width,
                                  'nearest')
        mask = np.isin(source_labels, self.class_ids)
        if not mask.any():
            return results
        source_img = self._fit(source['img'], height, width, 'bilinear')
        img = results['img'].copy()
        img[mask] = source_img[mask]
        results['img'] = img
        for key in dict.fromkeys(
                ['gt_seg_map', *results.get('seg_fields', [])]):
            if key not in results:
                continue
            if key not in source:
                raise KeyError(f'RandomClassPaste: the other frame has no '
                               f'{key!r} to paste ({source.get("img_path")})')
            pasted = self._fit(source[key], height, width, 'nearest')
            labels = results[key].copy()
            labels[mask] = pasted[mask]
            results[key] = labels
        return results

    @staticmethod
    def _fit(array: np.ndarray, height: int, width: int,
             interpolation: str) -> np.ndarray:
        """``array`` (H', W'[, C]) at (height, width)."""
        if array.shape[:2] == (height, width):
            return array
        return mmcv.imresize(array, (width, height),
                             interpolation=interpolation)

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(class_ids={self.class_ids}, '
                f'prob={self.prob})')
