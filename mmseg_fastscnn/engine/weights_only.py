"""Checkpoint entries as tensors and plain types, and back: mmengine 0.10.7
pickles ``HistoryBuffer``s, numpy values and bound methods, which
``torch.load(weights_only=True)`` refuses."""
from collections import OrderedDict
from typing import Any

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

TYPE_KEY = '__weights_only_type__'


def to_weights_only(obj: Any) -> Any:
    """Return ``obj`` with numpy values, ``HistoryBuffer``s and callables
    replaced by tensors and plain types (callables inside dicts are dropped:
    schedulers rebuild them from the config)."""
    if isinstance(obj, np.generic):  # before float: np.float64 is a float
        return obj.item()
    if isinstance(obj, torch.Tensor) or obj is None or isinstance(
            obj, (bool, int, float, str, bytes)):
        return obj
    if isinstance(obj, HistoryBuffer):
        log, count = obj.data
        return {
            TYPE_KEY: 'HistoryBuffer',
            'log': torch.from_numpy(np.ascontiguousarray(log)),
            'count': torch.from_numpy(np.ascontiguousarray(count)),
            'max_length': int(obj.max_length),
        }
    if isinstance(obj, np.ndarray) and obj.dtype != object:
        return {TYPE_KEY: 'ndarray',
                'data': torch.from_numpy(np.ascontiguousarray(obj))}
    if isinstance(obj, dict):
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for key, value in obj.items():
            if callable(value) and not isinstance(value, torch.Tensor):
                continue
            out[key] = to_weights_only(value)
        return out
    if isinstance(obj, (list, tuple)):
        items = [to_weights_only(v) for v in obj]
        return items if isinstance(obj, list) else tuple(items)
    return obj


def from_weights_only(obj: Any) -> Any:
    """Inverse of :func:`to_weights_only` (dropped callables stay dropped)."""
    if isinstance(obj, dict):
        kind = obj.get(TYPE_KEY)
        if kind == 'HistoryBuffer':
            return HistoryBuffer(obj['log'].numpy(), obj['count'].numpy(),
                                 max_length=obj['max_length'])
        if kind == 'ndarray':
            return obj['data'].numpy()
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for key, value in obj.items():
            out[key] = from_weights_only(value)
        return out
    if isinstance(obj, list):
        return [from_weights_only(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(from_weights_only(v) for v in obj)
    return obj
