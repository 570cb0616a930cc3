"""The 32 colours of the original CamVid labels and their SegNet grouping
into the 11 classes (+ void), as used by SegNet's CamVid benchmark."""
from typing import Dict, Tuple

import numpy as np

RGB = Tuple[int, int, int]
VOID = 11

# name: (colour, 11-class index)
CAMVID32: Dict[str, Tuple[RGB, int]] = {
    'Sky': ((128, 128, 128), 0),
    'Building': ((128, 0, 0), 1),
    'Archway': ((192, 0, 128), 1),
    'Bridge': ((0, 128, 64), 1),
    'Tunnel': ((64, 0, 64), 1),
    'Wall': ((64, 192, 0), 1),
    'Column_Pole': ((192, 192, 128), 2),
    'TrafficCone': ((0, 0, 64), 2),
    'Road': ((128, 64, 128), 3),
    'LaneMkgsDriv': ((128, 0, 192), 3),
    'LaneMkgsNonDriv': ((192, 0, 64), 3),
    'Sidewalk': ((0, 0, 192), 4),
    'ParkingBlock': ((64, 192, 128), 4),
    'RoadShoulder': ((128, 128, 192), 4),
    'Tree': ((128, 128, 0), 5),
    'VegetationMisc': ((192, 192, 0), 5),
    'SignSymbol': ((192, 128, 128), 6),
    'Misc_Text': ((128, 128, 64), 6),
    'TrafficLight': ((0, 64, 64), 6),
    'Fence': ((64, 64, 128), 7),
    'Car': ((64, 0, 128), 8),
    'SUVPickupTruck': ((64, 128, 192), 8),
    'Truck_Bus': ((192, 128, 192), 8),
    'Train': ((192, 64, 128), 8),
    'OtherMoving': ((128, 64, 64), 8),
    'Pedestrian': ((64, 64, 0), 9),
    'Child': ((192, 128, 64), 9),
    'CartLuggagePram': ((64, 0, 192), 9),
    'Animal': ((64, 128, 64), 9),
    'Bicyclist': ((0, 128, 192), 10),
    'MotorcycleScooter': ((192, 0, 192), 10),
    'Void': ((0, 0, 0), VOID),
}


def _key(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


_LUT_KEYS = np.array(sorted(_key(np.array(c)) for c, _ in CAMVID32.values()))
_LUT_VALUES = np.array([
    idx for _, (c, idx) in sorted(
        ((int(_key(np.array(c))), (c, idx)) for c, idx in CAMVID32.values()))
], dtype=np.uint8)


def colors_to_labels(rgb: np.ndarray) -> Tuple[np.ndarray, Dict[RGB, int]]:
    """(H, W, 3) uint8 RGB colour label -> (H, W) uint8 in 0..11.

    Returns the labels and the colours not in the 32-colour table with their
    pixel counts; those pixels become void (11).
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f'colour labels must be (H, W, 3), got {rgb.shape}')
    keys = _key(rgb)
    pos = np.searchsorted(_LUT_KEYS, keys).clip(0, len(_LUT_KEYS) - 1)
    known = _LUT_KEYS[pos] == keys
    labels = np.where(known, _LUT_VALUES[pos], VOID).astype(np.uint8)
    unknown: Dict[RGB, int] = {}
    if not known.all():
        values, counts = np.unique(keys[~known], return_counts=True)
        for v, n in zip(values.tolist(), counts.tolist()):
            unknown[((v >> 16) & 255, (v >> 8) & 255, v & 255)] = int(n)
    return labels, unknown
