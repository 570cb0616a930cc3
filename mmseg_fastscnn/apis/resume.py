"""Which checkpoint ``tools/train.py --resume`` continues from."""
import glob
import logging
import os.path as osp
import re
from typing import Optional

import torch
from mmengine.logging import print_log

from ..checkpoint import (UnsafeCheckpointError, is_within,
                          load_checkpoint_file, to_weights_only)
from ..fileio import atomic_path


def checkpoint_state(path: str, trusted_dir: Optional[str] = None) -> str:
    """'complete': a whole checkpoint, loaded as :func:`load_checkpoint_file`
    would load it (in full only inside ``trusted_dir``); 'unsafe': a whole
    torch file that only a full unpickle would open (not unpickled);
    'broken': truncated, not a checkpoint, or unreadable. Opened once."""
    try:
        checkpoint = load_checkpoint_file(path, 'cpu', trusted_dir)
    except UnsafeCheckpointError:
        return 'unsafe'
    except Exception:
        return 'broken'
    if isinstance(checkpoint, dict) and 'state_dict' in checkpoint:
        return 'complete'
    return 'broken'


def latest_complete_checkpoint(work_dir: str,
                               trust: bool = False) -> Optional[str]:
    """The checkpoint to resume from after a crash.

    The newest ``epoch_*.pth`` / ``iter_*.pth`` of ``work_dir`` that loads
    (mmengine's ``find_latest_checkpoint`` reads the ``last_checkpoint``
    pointer, which a kill between a checkpoint's rename and the pointer's
    update leaves one behind); else the file ``last_checkpoint`` names, if
    whole, read in this work dir (a path into another dir, as in a copied
    work dir, is taken as the same file name here). Every file is opened
    weights-only; ``trust`` also accepts files of this work dir that need a
    full unpickle (plain mmengine's), which otherwise are refused with
    :class:`UnsafeCheckpointError` when nothing else is there.
    """
    trusted_dir = work_dir if trust else None
    candidates = []
    for path in glob.glob(osp.join(glob.escape(work_dir), '*.pth')):
        match = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', osp.basename(path))
        if match:
            candidates.append((int(match.group(2)), path))
    unsafe = []
    for _, path in sorted(candidates, reverse=True):
        state = checkpoint_state(path, trusted_dir)
        if state == 'complete':
            if unsafe:
                print_log(
                    f'--resume skipped {", ".join(unsafe)}: not weights-only '
                    '(never written by this plugin; --trust-resume loads '
                    'such files in full)', logger='current',
                    level=logging.WARNING)
            return path
        if state == 'unsafe':
            unsafe.append(path)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named and not is_within(named, work_dir):
            named = osp.join(work_dir, osp.basename(named))
        if (named and osp.isfile(named)
                and checkpoint_state(named, trusted_dir) == 'complete'):
            return named
    if unsafe:
        raise UnsafeCheckpointError(
            f'{", ".join(unsafe[:3])} need(s) a full unpickle (Python '
            'objects besides tensors, e.g. plain mmengine checkpoints) and '
            'were not loaded; if this work dir is yours, resume with '
            'tools/train.py --resume --trust-resume')
    return None


def make_weights_only(path: str, work_dir: str) -> bool:
    """Rewrite ``path``, a checkpoint of the run in ``work_dir`` that needs
    a full unpickle (plain mmengine's), in the weights-only form, so that
    mmengine's own (weights-only) loader resumes it; True if rewritten.

    Why: ``--trust-resume`` is the user vouching for the run's own files;
    the full load happens here, once, and nowhere else in the process.
    """
    try:
        load_checkpoint_file(path, 'cpu')
        return False
    except UnsafeCheckpointError:
        checkpoint = load_checkpoint_file(path, 'cpu', trusted_dir=work_dir)
    with atomic_path(path, path + '.tmp', 'checkpoint ') as tmp:
        torch.save(to_weights_only(checkpoint), tmp)
    return True
