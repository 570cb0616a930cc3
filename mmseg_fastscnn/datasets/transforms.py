"""Camera changes between recordings, as a training transform."""
from typing import Optional, Tuple

import cv2
import numpy as np
from mmcv.transforms import BaseTransform

from mmseg.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomCameraShift(BaseTransform):
    """What changes from one recording to the next: white balance, exposure,
    focus and sensor noise, each drawn per image (the labels stay).

    Why our own: mmseg's ``PhotoMetricDistortion`` shifts brightness,
    contrast, saturation and hue, but not the per-channel gains of another
    white balance, a gamma curve, blur or noise; its ``BioMedical*``
    versions expect volumes.

    Required keys: img (H, W, 3) uint8. Modified keys: img.

    Args:
        gain_range (tuple): Per-channel gain drawn in [lo, hi] (white
            balance). Default: (0.85, 1.15).
        gamma_range (tuple): Gamma drawn log-uniformly in [lo, hi]
            (exposure curve). Default: (0.67, 1.5).
        blur_prob (float): Chance of a Gaussian blur. Default: 0.2.
        blur_sigma (tuple): Its sigma range in pixels. Default: (0.3, 1.2).
        noise_prob (float): Chance of Gaussian noise. Default: 0.2.
        noise_std (tuple): Its standard deviation range (0..255 scale).
            Default: (2, 8).
        prob (float): Chance that any of this happens. Default: 0.8.
    """

    def __init__(self,
                 gain_range: Tuple[float, float] = (0.85, 1.15),
                 gamma_range: Tuple[float, float] = (0.67, 1.5),
                 blur_prob: float = 0.2,
                 blur_sigma: Tuple[float, float] = (0.3, 1.2),
                 noise_prob: float = 0.2,
                 noise_std: Tuple[float, float] = (2.0, 8.0),
                 prob: float = 0.8) -> None:
        for name, (lo, hi) in (('gain_range', gain_range),
                               ('gamma_range', gamma_range),
                               ('blur_sigma', blur_sigma),
                               ('noise_std', noise_std)):
            if not 0 <= lo <= hi:
                raise ValueError(f'{name} must be (lo, hi) with 0 <= lo <= '
                                 f'hi, got {(lo, hi)}')
        if gamma_range[0] <= 0:
            raise ValueError(f'gamma_range must be above 0, got '
                             f'{gamma_range}')
        for name, p in (('blur_prob', blur_prob), ('noise_prob', noise_prob),
                        ('prob', prob)):
            if not 0 <= p <= 1:
                raise ValueError(f'{name} must be in [0, 1], got {p}')
        self.gain_range = gain_range
        self.gamma_range = gamma_range
        self.blur_prob = blur_prob
        self.blur_sigma = blur_sigma
        self.noise_prob = noise_prob
        self.noise_std = noise_std
        self.prob = prob

    def transform(self, results: dict,
                  rng: Optional[np.random.Generator] = None) -> dict:
        rng = rng if rng is not None else np.random
        if rng.uniform() >= self.prob:
            return results
        img = results['img'].astype(np.float32) / 255.0
        gains = rng.uniform(*self.gain_range, size=3).astype(np.float32)
        gamma = float(np.exp(rng.uniform(*np.log(self.gamma_range))))
        img = np.clip(img * gains, 0, 1)**gamma
        if rng.uniform() < self.blur_prob:
            sigma = float(rng.uniform(*self.blur_sigma))
            img = cv2.GaussianBlur(img, (0, 0), sigma)
        img = img * 255.0
        if rng.uniform() < self.noise_prob:
            std = float(rng.uniform(*self.noise_std))
            img = img + rng.normal(0, std, img.shape).astype(np.float32)
        results['img'] = np.clip(img + 0.5, 0, 255).astype(np.uint8)
        return results

    def __repr__(self) -> str:
        return (f'{type(self).__name__}(gain_range={self.gain_range}, '
                f'gamma_range={self.gamma_range}, blur_prob={self.blur_prob}, '
                f'blur_sigma={self.blur_sigma}, noise_prob={self.noise_prob}, '
                f'noise_std={self.noise_std}, prob={self.prob})')
