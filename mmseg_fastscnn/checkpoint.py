"""Checkpoint files as the plugin writes them (every entry a tensor or a
plain type, so ``torch.load(weights_only=True)`` opens them) and as its
tools open them: weights-only, with errors that name the file, and checked
against the model they go into.

mmengine's own loader is left as it is (under torch >= 2.6 it is
weights-only already, and every checkpoint the plugin writes loads that
way); these functions are what our tools call, in their own code path."""
import logging
import os
import os.path as osp
import pathlib
import pickle
import re
import zipfile
from collections import OrderedDict
from typing import Any, Callable, Optional, Union

import numpy as np
import torch
from mmengine.logging import HistoryBuffer, print_log
from mmengine.model import BaseTTAModel
from mmengine.runner import CheckpointLoader, load_state_dict

MapLocation = Optional[Union[str, torch.device, Callable]]


class UnsafeCheckpointError(RuntimeError):
    """A checkpoint needs a full (unsafe) unpickle and was not trusted."""


def is_within(path: str, folder: str) -> bool:
    """Whether ``path`` lies inside ``folder`` (links resolved)."""
    path, folder = osp.realpath(path), osp.realpath(folder)
    return osp.commonpath([path, folder]) == folder


def looks_like_torch_file(path: str) -> bool:
    """Whether ``path`` is whole in one of ``torch.save``'s formats: a zip
    archive with its central directory (torch >= 1.6; a truncated copy has
    none) or a legacy pickle stream (protocol >= 2)."""
    if zipfile.is_zipfile(path):
        return True
    with open(path, 'rb') as f:
        return f.read(1) == b'\x80'


def load_checkpoint_file(filename: str,
                         map_location: MapLocation = 'cpu',
                         trusted_dir: Optional[str] = None) -> Any:
    """Load a checkpoint dict, refusing arbitrary Python objects.

    Local files load with ``weights_only=True``. Only when that fails and the
    file lies inside ``trusted_dir`` (a run resuming from its own work dir) is
    it loaded in full, with a warning. URLs and ``open-mmlab://`` names go
    through mmengine's loader (torch's weights-only default applies).

    Raises:
        FileNotFoundError: the local file does not exist.
        ValueError: the file is truncated or not a PyTorch file at all.
        UnsafeCheckpointError: the file holds Python objects and is not
            trusted.
    """
    if '://' in filename:
        return CheckpointLoader.load_checkpoint(filename, map_location)
    path = osp.expanduser(filename)
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint not found: {filename}')
    if not looks_like_torch_file(path):
        raise ValueError(
            f'{filename} is not a complete PyTorch checkpoint (truncated, '
            f'e.g. by an interrupted copy, or another kind of file; '
            f'{osp.getsize(path)} bytes)')
    try:
        return torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        if trusted_dir is not None and is_within(path, trusted_dir):
            print_log(
                f'{filename} is not weights-only loadable; loading it in full '
                f'because it is this run\'s own file in {trusted_dir}',
                logger='current',
                level=logging.WARNING)
            return torch.load(
                path, map_location=map_location, weights_only=False)
        raise UnsafeCheckpointError(
            f'{filename} holds Python objects besides tensors and is not '
            'loaded for safety (torch weights_only=True). If it is a '
            'training checkpoint of yours, resume it from its own work dir '
            '(--resume with --work-dir pointing there) or strip it with '
            f'tools/publish_model.py --trust ({unpickling_reason(error)})'
        ) from None


def unpickling_reason(error: Exception) -> str:
    """What torch's weights-only load refused (``it pickles <object>``),
    without its advice to load with ``weights_only=False``."""
    text = str(error)
    refused = re.search(r'GLOBAL ([\w.]+)', text)
    if refused:
        return f'it pickles {refused.group(1)}'
    detail = re.search(r'WeightsUnpickler error: ([^\n]*)', text)
    return detail.group(1).split('. ')[0] if detail else type(error).__name__


def check_checkpoint_fits(model: torch.nn.Module, checkpoint: dict,
                          filename: str) -> None:
    """Raise ValueError when the checkpoint is for another architecture or
    class count (mmengine would only warn and evaluate a half-loaded model).

    Weights missing from the checkpoint, of another shape, or in the
    checkpoint but not in the model are refused; auxiliary heads are the
    exception either way (published checkpoints drop them, inference and
    fine-tuning configs may not build them). A leading ``module.`` is
    stripped and a test-time-augmentation wrapper is looked through, as
    mmengine does.
    """
    if isinstance(model, BaseTTAModel):
        model = model.module
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    expected = model.state_dict()
    mismatched, missing = [], []
    for key, value in expected.items():
        if key not in state:
            if not key.startswith('auxiliary_head.'):
                missing.append(key)
        elif tuple(state[key].shape) != tuple(value.shape):
            mismatched.append(f'{key}: {tuple(state[key].shape)} in the '
                              f'checkpoint, {tuple(value.shape)} in the model')
    unexpected = [
        k for k in state
        if k not in expected and not k.startswith('auxiliary_head.')
    ]
    if mismatched or missing or unexpected:
        lines = (mismatched[:5] + [f'{k}: missing' for k in missing[:5]] +
                 [f'{k}: not in the model' for k in unexpected[:5]])
        more = len(mismatched) + len(missing) + len(unexpected) - len(lines)
        raise ValueError(
            f'checkpoint {filename} does not fit this model (another '
            'architecture or number of classes?):\n  ' + '\n  '.join(lines) +
            (f'\n  ... and {more} more' if more > 0 else ''))


def load_fitting_checkpoint(model: torch.nn.Module, filename: str) -> dict:
    """``filename`` loaded weights-only to the CPU (named errors for
    missing, torn and unsafe files), refused unless it is a dict that fits
    ``model`` (:func:`check_checkpoint_fits`); the loaded dict."""
    checkpoint = load_checkpoint_file(filename, map_location='cpu')
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{filename} holds a {type(checkpoint).__name__}, '
                         'not a checkpoint dict or state dict')
    check_checkpoint_fits(model, checkpoint, filename)
    return checkpoint


def load_weights(model: torch.nn.Module, checkpoint: dict) -> None:
    """Copy a loaded checkpoint's weights (or a bare state dict) into
    ``model`` through mmengine's public ``load_state_dict``, a leading
    ``module.`` stripped as mmengine's loader does; call
    :func:`check_checkpoint_fits` first (this only logs what is missing)."""
    state = checkpoint.get('state_dict', checkpoint)
    state = {re.sub(r'^module\.', '', k): v for k, v in state.items()}
    load_state_dict(model, state, strict=False)


# mmengine 0.10.7 pickles HistoryBuffers, numpy values and bound methods,
# and a hook may store sets or paths, which torch.load(weights_only=True)
# refuses: they are converted on save
TYPE_KEY = '__weights_only_type__'


def to_weights_only(obj: Any) -> Any:
    """Return ``obj`` with numpy values, ``HistoryBuffer``s, sets and paths
    replaced by tensors and plain types, and callables inside dicts dropped
    (schedulers rebuild them from the config). Any other object is kept, with
    a warning naming where it is: the file then needs a full unpickle."""
    return _to_weights_only(obj, 'checkpoint')


def _to_weights_only(obj: Any, where: str) -> Any:
    if isinstance(obj, np.generic):  # before float: np.float64 is a float
        return obj.item()
    if isinstance(obj, torch.Tensor) or obj is None or isinstance(
            obj, (bool, int, float, complex, str, bytes, torch.dtype,
                  torch.device)):
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
            out[key] = _to_weights_only(value, f'{where}.{key}')
        return out
    if isinstance(obj, (list, tuple)):
        items = [_to_weights_only(v, f'{where}[{i}]')
                 for i, v in enumerate(obj)]
        return items if isinstance(obj, list) else tuple(items)
    if isinstance(obj, (set, frozenset)):
        return {TYPE_KEY: type(obj).__name__,
                'items': [_to_weights_only(v, f'{where}{{}}') for v in obj]}
    if isinstance(obj, os.PathLike):
        return {TYPE_KEY: 'path', 'path': os.fspath(obj)}
    print_log(
        f'{where} is a {type(obj).__module__}.{type(obj).__qualname__}, '
        'kept as a Python object: the checkpoint will need a full unpickle '
        '(torch.load(weights_only=True) refuses it)',
        logger='current', level=logging.WARNING)
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
        if kind in ('set', 'frozenset'):
            items = (from_weights_only(v) for v in obj['items'])
            return set(items) if kind == 'set' else frozenset(items)
        if kind == 'path':
            return pathlib.Path(obj['path'])
        out = OrderedDict() if isinstance(obj, OrderedDict) else {}
        for key, value in obj.items():
            out[key] = from_weights_only(value)
        return out
    if isinstance(obj, list):
        return [from_weights_only(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(from_weights_only(v) for v in obj)
    return obj
