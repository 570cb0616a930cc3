"""Label maps in colour, and a legend for them."""
from typing import List, Sequence

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


def legend_handles(classes: Sequence[str],
                   palette: Sequence[Sequence[int]],
                   void_name: str = 'void') -> List:
    """matplotlib patches for a legend: one per class, then void (black)."""
    from matplotlib.patches import Patch
    handles = [
        Patch(color=np.asarray(c) / 255.0, label=name)
        for name, c in zip(classes, palette)
    ]
    if void_name:
        handles.append(Patch(color=(0, 0, 0), label=void_name))
    return handles
