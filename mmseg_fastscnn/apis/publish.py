"""Strip a training checkpoint down to what inference needs."""
import hashlib
import os.path as osp
import re
from typing import Optional

import torch

from ..version import __version__
from ..checkpoint import from_weights_only, load_checkpoint_file
from ..fileio import atomic_path

META_KEYS = ('epoch', 'iter', 'dataset_meta', 'cfg', 'seed',
             'mmengine_version', 'time')
# a quoted absolute path (POSIX or a Windows drive) in a config's text
ABSOLUTE_PATH = re.compile(r"""(['"])((?:/|[A-Za-z]:[\\/])[^'"]*)\1""")


def strip_machine_paths(cfg_text: str) -> str:
    """``cfg_text`` without the absolute paths of the machine that trained:
    a path into the repository's ``configs/`` becomes relative to the
    repository (``configs/...``), any other keeps its last component."""
    def relative(match: re.Match) -> str:
        quote, path = match.groups()
        posix = path.replace('\\', '/')
        if '/configs/' in posix:
            short = 'configs/' + posix.split('/configs/', 1)[1]
        else:
            short = posix.rstrip('/').rsplit('/', 1)[-1]
        return f'{quote}{short}{quote}'
    return ABSOLUTE_PATH.sub(relative, cfg_text)


def publish_checkpoint(src: str,
                       dst: str,
                       drop_prefixes: tuple = (),
                       extra_meta: Optional[dict] = None,
                       trust: bool = False) -> str:
    """Write ``dst`` with the weights and plain metadata of ``src`` only.

    No optimizer, scheduler or message-hub state; float tensors and plain
    Python types only, so ``torch.load(dst, weights_only=True)`` works; the
    config text keeps no absolute path of the training machine
    (:func:`strip_machine_paths`).

    Args:
        src: A checkpoint of a run. It must load weights-only unless
            ``trust``: a file you made yourself (e.g. by plain mmengine),
            loaded in full once so the output is safe for everyone.
        dst: Output path.
        drop_prefixes: State-dict key prefixes to leave out, e.g.
            ``('auxiliary_head.',)`` (not used at inference).
        extra_meta: Plain values to add to ``meta`` (e.g. val metrics).

    Returns:
        The SHA-256 of the written file.
    """
    trusted_dir = osp.dirname(osp.abspath(src)) if trust else None
    checkpoint = load_checkpoint_file(src, map_location='cpu',
                                      trusted_dir=trusted_dir)
    if 'state_dict' not in checkpoint:
        raise KeyError(f'{src} has no state_dict: not an mmengine checkpoint')
    state = {
        k: v.detach().clone()
        for k, v in checkpoint['state_dict'].items()
        if not any(k.startswith(p) for p in drop_prefixes)
    }
    meta_in = from_weights_only(checkpoint.get('meta', {}))
    meta = {k: meta_in[k] for k in META_KEYS if k in meta_in}
    if isinstance(meta.get('cfg'), str):
        meta['cfg'] = strip_machine_paths(meta['cfg'])
    meta['mmseg_fastscnn_version'] = __version__
    # what an earlier publish added (recipe, trained_on...) stays
    added = {k: meta_in[k] for k in meta_in.get('published_keys', ())
             if k in meta_in}
    added.update(extra_meta or {})
    if added:
        meta.update(added)
        meta['published_keys'] = sorted(added)
    with atomic_path(dst) as tmp:  # whole or not at all, even in place
        torch.save(dict(meta=meta, state_dict=state), tmp)
        torch.load(tmp, weights_only=True)  # what users will do: must work
    with open(dst, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()
