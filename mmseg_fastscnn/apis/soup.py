"""Average the weights of runs fine-tuned from one model (a "model soup",
Wortsman et al., 2022): one network of the same size and speed.

mmengine averages weights within one run (``EMAHook``); nothing in mmengine
or mmseg averages finished runs, hence this module.
"""
import os.path as osp
from typing import Dict, List, Optional, Sequence

import torch

from ..checkpoint import load_checkpoint_file
from .publish import (file_sha256, published_meta, state_dict_of,
                      write_published)


def average_state_dicts(states: Sequence[Dict[str, torch.Tensor]],
                        names: Sequence[str]) -> Dict[str, torch.Tensor]:
    """The entry-wise mean of ``states``.

    Floating-point entries (weights, BN running statistics) are averaged in
    float64 and cast back; other entries (BN's ``num_batches_tracked``)
    are taken from the first state.

    Args:
        states: Two or more state dicts of one architecture.
        names: One name per state (its file), for the error messages.

    Raises:
        ValueError: fewer than two states, or a state whose keys, shapes or
            dtypes differ from the first's (named with its key).
    """
    if len(states) < 2:
        raise ValueError(f'averaging needs two or more checkpoints, got '
                         f'{len(states)}')
    first, first_name = states[0], names[0]
    for state, name in zip(states[1:], names[1:]):
        missing = sorted(set(first) - set(state))
        extra = sorted(set(state) - set(first))
        if missing or extra:
            key = (missing or extra)[0]
            where = f'lacks {key}' if missing else f'has {key}, which ' \
                f'{first_name} lacks'
            raise ValueError(f'{name} is not the same network as '
                             f'{first_name}: it {where}')
        for key, value in first.items():
            other = state[key]
            if other.shape != value.shape or other.dtype != value.dtype:
                raise ValueError(
                    f'{name}: {key} is {other.dtype} {tuple(other.shape)}, '
                    f'{first_name} has {value.dtype} {tuple(value.shape)}')
    averaged = {}
    for key, value in first.items():
        if value.is_floating_point():
            total = sum(s[key].detach().double() for s in states)
            averaged[key] = (total / len(states)).to(value.dtype)
        else:
            averaged[key] = value.detach().clone()
    return averaged


def average_checkpoints(srcs: Sequence[str],
                        dst: str,
                        extra_meta: Optional[dict] = None) -> str:
    """Write to ``dst`` the published checkpoint of the mean of ``srcs``.

    The files load weights-only (published or training checkpoints of this
    plugin). ``meta`` is the first file's (dataset meta, config), with
    ``averaged_from``: each source's file name and SHA-256.

    Returns:
        The SHA-256 of the written file.
    """
    checkpoints = [load_checkpoint_file(src, map_location='cpu')
                   for src in srcs]
    states = [state_dict_of(c, src) for c, src in zip(checkpoints, srcs)]
    averaged = average_state_dicts(states, list(srcs))
    sources: List[str] = [
        f'{osp.basename(src)} sha256:{file_sha256(src)[:16]}' for src in srcs
    ]
    meta = published_meta(checkpoints[0],
                          dict(extra_meta or {}, averaged_from=sources))
    return write_published(dst, meta, averaged)
