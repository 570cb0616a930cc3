"""Label maps in colour."""
from typing import Sequence

import numpy as np


def colorize(labels: np.ndarray,
             palette: Sequence[Sequence[int]],
             ignore_color: Sequence[int] = (0, 0, 0)) -> np.ndarray:
    """(H, W) integer labels -> (H, W, 3) uint8 RGB; labels outside the
    palette (void 11, ignore 255) get ``ignore_color``."""
    table = np.zeros((256, 3), dtype=np.uint8)
    table[:] = ignore_color
    table[:len(palette)] = np.asarray(palette, dtype=np.uint8)
    return table[np.asarray(labels).astype(np.int64).clip(0, 255)]
