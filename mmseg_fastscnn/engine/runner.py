"""mmengine's Runner with weights-only, crash-safe checkpoints."""
import errno
import glob
import logging
import os
import os.path as osp
import re
from datetime import timedelta
from typing import Callable, Optional, Union

import torch
from mmengine.dist import is_distributed, is_main_process
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop, Runner
from mmengine.runner.checkpoint import _load_checkpoint_to_model

from mmseg.registry import RUNNERS
from ..checkpoint import (UnsafeCheckpointError, check_checkpoint_fits,
                          is_within, load_checkpoint_file)
from ..fileio import DiskWriteError
from .hooks import (NonFiniteLossHook, SafeCheckpointHook,
                    TrainOnlyEarlyStoppingHook, WeightsOnlyCheckpointHook)
from ..utils.toolbox_noise import quiet_logger
from .run_log import keep_dumps_in_file
from .resumed_schedule import (flat_schedulers, flat_states, restart,
                               schedule_changes, snapshot)

TMP_SUFFIX = '.tmp'


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
    (a kill between a checkpoint's rename and the ``last_checkpoint``
    update leaves the pointer one behind); else the file ``last_checkpoint``
    names, if whole, read in this work dir (a path into another dir, as in
    a copied work dir, is taken as the same file name here). Leftover
    ``*.tmp`` files of an interrupted save are never chosen. Every file is
    opened weights-only; ``trust`` also accepts files of this work dir that
    need a full unpickle (plain mmengine's), which otherwise are refused
    with :class:`UnsafeCheckpointError` when nothing else is there.
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


@RUNNERS.register_module()
class WeightsOnlyRunner(Runner):
    """mmengine's Runner whose checkpoints are written atomically and loaded
    weights-only.

    Why: mmengine 0.10.7 cannot ``resume`` or ``load_from`` its own
    checkpoints under torch >= 2.6, writes them in place (a kill mid-write
    leaves a truncated file), and resumes a changed schedule at the old
    one's floor. The hooks that make checkpoints weights-only and crash-safe
    are in the config (``default_hooks``); this runner warns when one is
    missing, writes each local checkpoint to a temporary file renamed into
    place (remote ``out_dir``s go through mmengine's file backend as they
    are), loads every file weights-only (only ``resume`` from this run's
    work dir with ``trust_resume=True``, ``tools/train.py --trust-resume``,
    may fall back to a full load), follows a changed schedule on resume
    (:mod:`.resumed_schedule`), runs gloo without a GPU, and keeps the
    environment and config dumps in the log file (:mod:`.run_log`).
    """

    _resume_file = None
    _resumed_schedulers = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.logger.info(f'environment and config: {self.logger.log_file}')

    def build_logger(self, *args, **kwargs):
        """mmengine's logger; the environment and config dumps go to the
        log file only (:mod:`.run_log`)."""
        logger = super().build_logger(*args, **kwargs)
        keep_dumps_in_file(logger)
        quiet_logger(logger)
        return logger

    @property
    def resuming(self) -> bool:
        """True while ``resume`` loads its checkpoint."""
        return self._resume_file is not None

    def register_hooks(self, default_hooks=None, custom_hooks=None) -> None:
        """mmengine's; then one WARNING per guarantee the config's hooks do
        not give (nothing is added or swapped behind the config)."""
        super().register_hooks(default_hooks, custom_hooks)
        missing = [(hook_type, why) for hook_type, why in (
            (WeightsOnlyCheckpointHook, 'checkpoints will need '
             '--trust-resume to resume under torch >= 2.6'),
            (SafeCheckpointHook, 'a kill while saving can leave a torn '
             'checkpoint or no best one'),
            (NonFiniteLossHook, 'a non-finite loss will not stop training'))
            if not any(isinstance(h, hook_type) for h in self.hooks)]
        for hook_type, why in missing:
            self.logger.warning(
                f'no {hook_type.__name__} in default_hooks / custom_hooks: '
                f'{why} (the CamVid configs have it)')

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
        """mmengine's save; into a local folder it is written to
        ``<file>.tmp`` and renamed into place, so a checkpoint file is either
        whole or absent, and a failed write (a full disk) removes its
        ``.tmp`` and raises :class:`DiskWriteError` naming the file."""
        backend = get_file_backend(out_dir,
                                   backend_args=kwargs.get('backend_args'))
        if not isinstance(backend, LocalBackend):  # objects land whole
            return super().save_checkpoint(out_dir, filename, *args,
                                           **kwargs)
        tmp_name = filename + TMP_SUFFIX
        tmp_path = osp.join(out_dir, tmp_name)
        try:
            super().save_checkpoint(out_dir, tmp_name, *args, **kwargs)
            if not is_main_process():
                return
            with open(tmp_path, 'rb') as f:
                os.fsync(f.fileno())
            os.replace(tmp_path, osp.join(out_dir, filename))
        except (OSError, RuntimeError) as error:
            if is_main_process() and osp.exists(tmp_path):
                os.remove(tmp_path)
            if isinstance(error, RuntimeError) and 'write' not in str(error):
                raise
            raise DiskWriteError(
                getattr(error, 'errno', None) or errno.EIO,
                f'could not write checkpoint {osp.join(out_dir, filename)} '
                f'({error}); the checkpoints already in {out_dir} are '
                'untouched: free space and resume') from error

    def remove_stale_temporaries(self) -> None:
        """Remove ``*.pth.tmp`` left in the work dir by a killed save."""
        if not is_main_process():
            return
        pattern = osp.join(glob.escape(self.work_dir), '*' + TMP_SUFFIX)
        for path in glob.glob(pattern):
            os.remove(path)
            self.logger.info(f'removed {path}, left by an interrupted save')

    def remove_stale_stop_record(self) -> None:
        """A new (not resumed) run drops the early-stop record of an
        earlier run in its work dir, whether or not it stops early itself."""
        marker = osp.join(self.work_dir, TrainOnlyEarlyStoppingHook.MARKER)
        if is_main_process() and not self.cfg.get('resume') and osp.isfile(
                marker):
            os.remove(marker)

    def train(self) -> torch.nn.Module:
        self.remove_stale_temporaries()
        self.remove_stale_stop_record()
        return super().train()

    def resume(self,
               filename: str,
               resume_optimizer: bool = True,
               resume_param_scheduler: bool = True,
               map_location: Union[str, Callable] = 'default') -> None:
        schedulers = flat_schedulers(self.param_schedulers)
        fresh = snapshot(schedulers)
        self._resume_file = filename
        try:
            super().resume(filename, resume_optimizer, resume_param_scheduler,
                           map_location)
        finally:
            self._resume_file = None
        if resume_param_scheduler and schedulers:
            self._follow_changed_schedule(filename, schedulers, fresh)
        self._warn_if_finished(filename)

    def _follow_changed_schedule(self, filename: str, schedulers: list,
                                 fresh: list) -> None:
        """A config whose schedule differs from the checkpoint's (a new
        ``train_cfg.max_epochs``, lr, ...) gets its own schedule from the
        resumed iteration on, as an unbroken run of it would have it
        (:mod:`.resumed_schedule`), and a log line saying so."""
        changes = schedule_changes(flat_states(self._resumed_schedulers),
                                   fresh[0],
                                   [type(s).__name__ for s in schedulers])
        if not changes:
            return
        epoch_length = len(getattr(self.train_loop, 'dataloader', ()))
        restart(schedulers, fresh, self.iter, self.epoch, epoch_length)
        lr = schedulers[0].optimizer.param_groups[0]['lr']
        self.logger.warning(
            f'the schedule differs from the one {osp.basename(filename)} was '
            f'trained with ({"; ".join(changes[:2])}): from epoch '
            f'{self.epoch + 1} on the learning rate follows this config\'s '
            f'schedule as an unbroken run of it would (lr now {lr:.4g})')

    def _warn_if_finished(self, filename: str) -> None:
        """mmengine resumes a run that has done all its epochs and exits 0
        having trained nothing; say so."""
        loop = self.train_loop
        if not isinstance(loop, BaseLoop):
            return
        for unit, done, total in (('epoch', self.epoch,
                                   getattr(loop, 'max_epochs', None)),
                                  ('iter', self.iter,
                                   getattr(loop, 'max_iters', None))):
            if unit == 'epoch' and total is None:
                continue
            if total is not None and done >= total:
                self.logger.warning(
                    f'nothing left to train: {filename} is at {unit} {done} '
                    f'of train_cfg.max_{unit}s={total}; raise '
                    f'train_cfg.max_{unit}s to train on')
            return

    def load_checkpoint(self,
                        filename: str,
                        map_location: Union[str, Callable] = 'cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]) -> dict:
        """As mmengine's, but weights-only (see class docstring)."""
        trusted_dir = (self.work_dir if filename == self._resume_file
                       and self.cfg.get('trust_resume') else None)
        checkpoint = load_checkpoint_file(filename, map_location, trusted_dir)
        self.call_hook('after_load_checkpoint', checkpoint=checkpoint)
        if self.resuming:
            self._resumed_schedulers = checkpoint.get('param_schedulers')
        model = self.model.module if is_model_wrapper(
            self.model) else self.model
        check_checkpoint_fits(model, checkpoint, filename)
        checkpoint = _load_checkpoint_to_model(
            model, checkpoint, strict, revise_keys=revise_keys)
        self._has_loaded = True
        self.logger.info(f'Load checkpoint from {filename}')
        return checkpoint
