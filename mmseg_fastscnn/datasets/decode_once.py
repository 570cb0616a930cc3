"""Loading transforms that decode each file once per process.

Why: PNG decoding is more than half of CamVid's training pipeline on a CPU
(4.6 of 8.4 ms a frame), and a few hundred decoded frames fit in memory
(0.7 MB a frame with its label map); mmcv and mmseg decode on every load.
The cache of each transform is bounded (``max_cache_mb``): once full, later
frames are decoded on every load, as mmcv's transforms do (a large dataset
such as Cityscapes then costs no more memory than the bound).
"""
from typing import Dict, Optional

import numpy as np
from mmcv.transforms import LoadImageFromFile

from mmseg.datasets.transforms import LoadAnnotations
from mmseg.registry import TRANSFORMS


class DecodedCache:
    """Decoded arrays by path, up to ``max_mb`` megabytes; once full, new
    arrays are not kept (no eviction: a training set is read in a new order
    every epoch, so evicting would only churn). ``get`` hands out copies."""

    def __init__(self, max_mb: float) -> None:
        if not isinstance(max_mb, (int, float)) or max_mb < 0:
            raise ValueError(f'max_cache_mb must be a number >= 0, got '
                             f'{max_mb!r}')
        self.max_bytes = int(max_mb * 2**20)
        self.nbytes = 0
        self.arrays: Dict[str, np.ndarray] = {}

    def get(self, path: str) -> Optional[np.ndarray]:
        array = self.arrays.get(path)
        return None if array is None else array.copy()

    def put(self, path: str, array: np.ndarray) -> None:
        if self.nbytes + array.nbytes <= self.max_bytes:
            self.arrays[path] = array.copy()
            self.nbytes += array.nbytes


@TRANSFORMS.register_module()
class LoadImageFromFileOnce(LoadImageFromFile):
    """mmcv's ``LoadImageFromFile`` that keeps each decoded image of this
    process, keyed by path, and hands out a copy on later loads (so later
    transforms may change it in place). Same arguments and keys set: img
    (H, W, 3), img_shape, ori_shape, plus ``max_cache_mb`` (default 1024:
    CamVid's 468 frames take 240), the bound of each data-loader worker's
    own cache."""

    def __init__(self, max_cache_mb: float = 1024, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cache = DecodedCache(max_cache_mb)

    def transform(self, results: dict) -> Optional[dict]:
        img = self.cache.get(results['img_path'])
        if img is None:
            results = super().transform(results)
            if results is not None:
                self.cache.put(results['img_path'], results['img'])
            return results
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results


@TRANSFORMS.register_module()
class LoadAnnotationsOnce(LoadAnnotations):
    """mmseg's ``LoadAnnotations`` that keeps each decoded label map (after
    ``reduce_zero_label`` and the label map) of this process, keyed by path,
    and hands out a copy on later loads. Same arguments and keys set:
    gt_seg_map (H, W), seg_fields, plus ``max_cache_mb`` (default 512) as
    :class:`LoadImageFromFileOnce`'s."""

    def __init__(self, max_cache_mb: float = 512, **kwargs) -> None:
        super().__init__(**kwargs)
        self.cache = DecodedCache(max_cache_mb)

    def transform(self, results: dict) -> dict:
        path = results['seg_map_path']
        seg = self.cache.get(path)
        if seg is None:
            results = super().transform(results)
            self.cache.put(path, results['gt_seg_map'])
            return results
        results['gt_seg_map'] = seg
        results['seg_fields'].append('gt_seg_map')
        return results
