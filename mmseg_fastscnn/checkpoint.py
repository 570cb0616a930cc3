"""Loading checkpoints with ``weights_only=True`` by default."""
import logging
import os.path as osp
import pickle
import zipfile
from typing import Any, Callable, Optional, Union

import torch
from mmengine.logging import print_log
from mmengine.runner.checkpoint import _load_checkpoint

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
        return _load_checkpoint(filename, map_location=map_location)
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
            f'tools/publish_model.py --trust. Details: {error}') from None
