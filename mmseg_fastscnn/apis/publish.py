"""Strip a training checkpoint down to what inference needs."""
import hashlib
import os.path as osp
import re
from typing import Dict, Optional, Sequence

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
    state = {
        k: v.detach().clone()
        for k, v in state_dict_of(checkpoint, src).items()
        if not any(k.startswith(p) for p in drop_prefixes)
    }
    return write_published(dst, published_meta(checkpoint, extra_meta),
                           state)


def state_dict_of(checkpoint: dict, name: str) -> dict:
    """The ``state_dict`` of a loaded checkpoint; KeyError naming ``name``
    if it has none."""
    if not isinstance(checkpoint, dict) or 'state_dict' not in checkpoint:
        raise KeyError(f'{name} has no state_dict: not an mmengine checkpoint')
    return checkpoint['state_dict']


def published_meta(checkpoint: dict,
                   extra_meta: Optional[dict] = None) -> dict:
    """The plain metadata a published file keeps of ``checkpoint``
    (``META_KEYS``, the config without machine paths, what an earlier
    publish added) with ``extra_meta`` added."""
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
    return meta


def write_published(dst: str, meta: dict, state: dict) -> str:
    """Write ``dict(meta=meta, state_dict=state)`` to ``dst`` whole or not
    at all, check that it loads weights-only, and return its SHA-256."""
    with atomic_path(dst) as tmp:  # whole or not at all, even in place
        torch.save(dict(meta=meta, state_dict=state), tmp)
        torch.load(tmp, weights_only=True)  # what users will do: must work
    return file_sha256(dst)


def file_sha256(path: str) -> str:
    """Hex SHA-256 of the file at ``path``."""
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def parse_meta_items(items: Sequence[str]) -> Dict[str, str]:
    """``['KEY=VALUE', ...]`` (a tool's ``--meta``) as a dict."""
    meta = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise ValueError(f'--meta wants KEY=VALUE, got {item!r}')
        meta[key] = value
    return meta
