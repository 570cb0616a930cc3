"""mmengine's Runner with weights-only, crash-safe checkpoints."""
import glob
import os
import os.path as osp
import re
from datetime import timedelta
from typing import Callable, Optional, Union

import torch
from mmengine.dist import is_distributed, is_main_process
from mmengine.model import BaseTTAModel, is_model_wrapper
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmseg.registry import RUNNERS
from .checkpoint_io import load_checkpoint_file
from .hooks import (EarlyStoppingStateHook, NonFiniteLossHook,
                    WeightsOnlyCheckpointHook)

TMP_SUFFIX = '.tmp'


def is_complete_checkpoint(path: str, trusted_dir: Optional[str] = None
                           ) -> bool:
    """Whether ``path`` is a whole checkpoint, loaded as
    :func:`load_checkpoint_file` would load it (in full only inside
    ``trusted_dir``)."""
    try:
        checkpoint = load_checkpoint_file(path, 'cpu', trusted_dir)
    except Exception:  # truncated, not a checkpoint, or not trusted
        return False
    return isinstance(checkpoint, dict) and 'state_dict' in checkpoint


def latest_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to resume from after a crash.

    ``last_checkpoint`` names it when that file is whole and points to a
    loadable checkpoint; otherwise the newest ``epoch_*.pth`` /
    ``iter_*.pth`` that loads. Leftover ``*.tmp`` files of an interrupted
    save are never chosen. Checkpoints written by plain mmengine count too
    when they lie in ``work_dir`` (``resume`` loads them in full); a file
    elsewhere is never unpickled in full.
    """
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if (named and osp.isfile(named)
                and is_complete_checkpoint(named, work_dir)):
            return named
    candidates = []
    for path in glob.glob(osp.join(work_dir, '*.pth')):
        match = re.fullmatch(r'(epoch|iter)_(\d+)\.pth', osp.basename(path))
        if match:
            candidates.append((int(match.group(2)), path))
    for _, path in sorted(candidates, reverse=True):
        if is_complete_checkpoint(path, work_dir):
            return path
    return None


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


@RUNNERS.register_module()
class WeightsOnlyRunner(Runner):
    """Runner whose checkpoints load with ``torch.load(weights_only=True)``
    and survive a crash.

    Why: mmengine 0.10.7 cannot ``resume`` or ``load_from`` its own
    checkpoints under torch >= 2.6, writes them in place (a kill mid-write
    leaves a truncated file) and trains on through NaN losses. This runner
    adds :class:`WeightsOnlyCheckpointHook` (plain, safe checkpoints),
    :class:`NonFiniteLossHook` and :class:`EarlyStoppingStateHook`, writes
    each checkpoint to a temporary file and renames it into place,
    auto-resumes from the newest complete checkpoint, and loads every file
    weights-only; only ``resume`` from a file inside this run's work dir may
    fall back to a full load (older checkpoints).
    """

    _resume_file = None

    @property
    def resuming(self) -> bool:
        """True while ``resume`` loads its checkpoint."""
        return self._resume_file is not None

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        super().register_hooks(default_hooks, custom_hooks)
        for hook_type in (WeightsOnlyCheckpointHook, NonFiniteLossHook,
                          EarlyStoppingStateHook):
            if not any(isinstance(h, hook_type) for h in self._hooks):
                self.register_hook(hook_type())

    def setup_env(self, env_cfg: dict) -> None:
        """Initialise a CPU process group (gloo) ourselves when there is no
        GPU: mmengine 0.10.7's pytorch launcher calls
        ``torch.cuda.set_device``, which a CPU-only torch lacks."""
        if (self.distributed and not is_distributed()
                and not torch.cuda.is_available()):
            dist_cfg = dict(env_cfg.get('dist_cfg', {}))
            timeout = dist_cfg.get('timeout')
            kwargs = {}
            if timeout is not None:
                kwargs['timeout'] = timedelta(seconds=timeout)
            torch.distributed.init_process_group(backend='gloo', **kwargs)
        super().setup_env(env_cfg)

    def save_checkpoint(self, out_dir: str, filename: str, *args,
                        **kwargs) -> None:
        """mmengine's save, written to ``<file>.tmp`` and renamed into place,
        so a checkpoint file is either whole or absent."""
        tmp_name = filename + TMP_SUFFIX
        super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
        if not is_main_process():
            return
        tmp_path = osp.join(out_dir, tmp_name)
        with open(tmp_path, 'rb') as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, osp.join(out_dir, filename))

    def load_or_resume(self) -> None:
        """Auto-resume (``--resume`` without a path) from the newest complete
        checkpoint rather than trusting ``last_checkpoint`` blindly; with
        none yet, start from ``load_from_if_nothing_to_resume`` (the
        config's ``load_from``, set by tools/train.py) if given."""
        if not self._has_loaded and self._resume and self._load_from is None:
            latest = latest_complete_checkpoint(self.work_dir)
            if latest is None:
                start = self.cfg.get('load_from_if_nothing_to_resume')
                self.logger.warning(
                    f'--resume: no complete checkpoint in {self.work_dir}; '
                    'training from ' + (f'load_from {start}'
                                        if start else 'scratch'))
                self._resume = False
                self._load_from = start
            else:
                self._load_from = latest
                self.logger.info(f'Auto resumed from the latest complete '
                                 f'checkpoint {latest}.')
        super().load_or_resume()

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        self._resume_file = filename
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        finally:
            self._resume_file = None

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        """As mmengine's, but weights-only (see class docstring)."""
        trusted_dir = self.work_dir if filename == self._resume_file else None
        checkpoint = load_checkpoint_file(filename, map_location, trusted_dir)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        check_checkpoint_fits(model, checkpoint, filename)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
