"""Per-class pixel statistics and class-balancing weights."""
from typing import Dict, Iterable, List, Tuple

import numpy as np
from PIL import Image


def count_pixels(label_paths: Iterable[str], num_classes: int,
                 ignore_values: Tuple[int, ...] = (11, 255)
                 ) -> Tuple[np.ndarray, np.ndarray, int, int]:
    """Count labelled pixels per class over label maps (H, W) uint8.

    Returns:
        counts (K,): pixels of each class.
        present (K,): for each class, total pixels of the images it occurs
            in (SegNet's median-frequency definition).
        ignored: pixels with a value in ``ignore_values``.
        num_images: label maps read.
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    present = np.zeros(num_classes, dtype=np.int64)
    ignored, num_images = 0, 0
    for path in label_paths:
        labels = np.asarray(Image.open(path))
        hist = np.bincount(labels.ravel(), minlength=256)
        bad = np.nonzero(hist[num_classes:])[0] + num_classes
        unexpected = [int(v) for v in bad if v not in ignore_values]
        if unexpected:
            raise ValueError(f'{path}: label values {unexpected} are neither '
                             f'classes 0..{num_classes - 1} nor ignored '
                             f'{ignore_values}')
        class_hist = hist[:num_classes]
        counts += class_hist
        present[class_hist > 0] += labels.size
        ignored += int(hist[list(ignore_values)].sum())
        num_images += 1
    return counts, present, ignored, num_images


def class_weights(counts: np.ndarray, present: np.ndarray,
                  enet_c: float = 1.02) -> Dict[str, List[float]]:
    """Three balancing schemes, each normalised to a mean weight of 1.

    - inverse: 1 / f_c, f_c the class's share of labelled pixels.
    - median: median(g) / g_c, g_c = class pixels / pixels of the images
      where the class occurs (Eigen & Fergus; SegNet's CamVid weights).
    - enet: 1 / ln(enet_c + f_c) (Paszke et al., ENet).
    Classes that never occur get weight 0.
    """
    if not enet_c > 1:  # ln(c + f) must stay positive for every f >= 0
        raise ValueError(f'enet_c must be > 1, got {enet_c}')
    counts = counts.astype(np.float64)
    freq = counts / max(counts.sum(), 1.0)
    seen = counts > 0
    out = {}
    inverse = np.where(seen, 1.0 / np.where(seen, freq, 1.0), 0.0)
    g = np.where(present > 0, counts / np.maximum(present, 1), 0.0)
    median = np.where(seen, np.median(g[seen]) / np.where(seen, g, 1.0), 0.0)
    enet = np.where(seen, 1.0 / np.log(enet_c + freq), 0.0)
    for name, w in (('inverse', inverse), ('median', median), ('enet', enet)):
        out[name] = [round(float(v), 6) for v in w / w[seen].mean()]
    return out
