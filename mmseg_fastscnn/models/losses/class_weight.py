"""Class weights for losses: a list, a file mmseg reads, or a key of a
class-statistics JSON."""
import math
import os.path as osp
from typing import List, Optional, Sequence, Union

import torch
from mmseg.models.losses.utils import get_class_weight
from torch import Tensor

ClassWeight = Optional[Union[Sequence[float], str]]


def load_class_weight(class_weight: ClassWeight,
                      scheme: str = 'enet') -> Optional[List[float]]:
    """Return per-class weights, or None.

    Args:
        class_weight: None, a sequence of floats (list, tuple, array,
            tensor), or the path of a file, absolute or relative to the
            working directory: a JSON written by
            ``tools/analysis/class_stats.py`` (``weights`` holds one list per
            scheme), or any file mmseg's ``get_class_weight`` reads (a .npy,
            or a .pkl / .json / .yaml holding the list).
        scheme: Which list of a class-statistics JSON's ``weights`` to use.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str):
        path = class_weight
        if not osp.isfile(path):
            # a config names its file as '{{ fileDirname }}/...' to be
            # found from any working directory
            raise FileNotFoundError(
                f'class weight file not found: {path!r} (relative paths are '
                f'read from the working directory, {osp.abspath(".")})')
        stats = get_class_weight(path)
        if isinstance(stats, dict):
            weights = stats.get('weights', {})
            if scheme not in weights:
                raise KeyError(f'class_weight_scheme={scheme!r} is not in '
                               f'{path}; it has {sorted(weights)}')
            stats = weights[scheme]
        class_weight = stats
    if isinstance(class_weight, (int, float)) or (
            hasattr(class_weight, 'ndim') and class_weight.ndim != 1):
        raise TypeError('class_weight must be a list with one weight per '
                        f'class (or its file), got {class_weight!r}')
    values = [float(w) for w in class_weight]
    if any(not (w >= 0 and math.isfinite(w)) for w in values):
        raise ValueError(f'class_weight must be >= 0 and finite, got {values}')
    return values


def check_num_classes(class_weight: Optional[Tensor], num_classes: int,
                      loss_name: str) -> None:
    """Raise a ValueError when the weights do not match the logits' classes."""
    if class_weight is not None and class_weight.numel() != num_classes:
        raise ValueError(
            f'{loss_name}: class_weight has {class_weight.numel()} entries but '
            f'the model predicts {num_classes} classes; fix '
            'model.decode_head.loss_decode.class_weight')


def as_tensor(values: Optional[List[float]]) -> Optional[Tensor]:
    return None if values is None else torch.tensor(values, dtype=torch.float)
