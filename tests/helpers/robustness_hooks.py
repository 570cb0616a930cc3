"""Hooks that tests load into real training runs (via custom_imports)."""
import os
import os.path as osp
import signal

import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from mmseg.registry import HOOKS


@HOOKS.register_module()
class DumpWeightsHook(Hook):
    """Each rank saves its weights and its per-iteration losses."""

    def __init__(self, out_dir: str) -> None:
        self.out_dir = out_dir
        self.losses = []

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        self.losses.append(float(outputs['loss']))

    def after_train(self, runner) -> None:
        os.makedirs(self.out_dir, exist_ok=True)
        model = runner.model.module if hasattr(runner.model,
                                               'module') else runner.model
        torch.save(
            dict(
                state_dict={
                    k: v.detach().cpu()
                    for k, v in model.state_dict().items()
                },
                losses=self.losses),
            osp.join(self.out_dir, f'rank{get_rank()}.pth'))


@HOOKS.register_module()
class PoisonWeightsHook(Hook):
    """Turns one weight into NaN before iteration ``at_iter`` (1-based), or
    with ``after_step`` right after its optimizer step: what a step that
    diverges does, unseen by a loss computed before it."""
    priority = 'LOWEST'

    def __init__(self, at_iter: int, after_step: bool = False) -> None:
        self.at_iter, self.after_step = at_iter, after_step

    def _poison(self, runner) -> None:
        if runner.iter + 1 == self.at_iter:
            model = runner.model.module if hasattr(runner.model,
                                                   'module') else runner.model
            with torch.no_grad():
                model.decode_head.conv_seg.weight.fill_(float('nan'))

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if not self.after_step:
            self._poison(runner)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self.after_step:
            self._poison(runner)


@HOOKS.register_module()
class SigkillHook(Hook):
    """SIGKILLs its own process right after iteration ``at_iter`` (1-based):
    a crash at a known point, with no chance to clean up."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if runner.iter + 1 == self.at_iter:
            os.kill(os.getpid(), signal.SIGKILL)


@HOOKS.register_module()
class FakeScoreHook(Hook):
    """Adds ``score`` = ``scores[epoch - 1]`` to each validation's metrics,
    before early stopping and checkpoint selection read them: a run whose
    best epoch and stopping epoch are known beforehand."""
    priority = 'NORMAL'

    def __init__(self, scores) -> None:
        self.scores = list(scores)

    def after_val_epoch(self, runner, metrics=None) -> None:
        metrics['score'] = float(self.scores[runner.epoch - 1])
        with open(osp.join(runner.work_dir, 'validated.txt'), 'a') as f:
            f.write(f'{runner.epoch}\n')


@HOOKS.register_module()
class KillAtSaveHook(Hook):
    """SIGKILLs its process at one moment of checkpointing the validation of
    epoch ``epoch``:

    - ``best_tmp`` / ``epoch_tmp``: with half of ``best_*`` / ``epoch_*``'s
      ``.tmp`` file written;
    - ``best_renamed`` / ``epoch_renamed``: right after that file is renamed
      into place;
    - ``old_best_removed``: right after the previous best file is removed.
    """

    def __init__(self, moment: str, epoch: int) -> None:
        self.moment, self.epoch = moment, epoch

    def before_train(self, runner) -> None:
        kind, _, when = self.moment.partition('_')
        hook = self

        def now(name: str, prefix: str) -> bool:
            return (osp.basename(name).startswith(prefix)
                    and runner.epoch == hook.epoch)

        def die():
            os.kill(os.getpid(), signal.SIGKILL)

        if when == 'tmp':
            # the file backend writes ``<name>.tmp``, then fsyncs it: here
            # half of it is on disk
            fsync = os.fsync

            def half_written(fd):
                name = os.readlink(f'/proc/self/fd/{fd}')
                if name.endswith('.tmp') and now(name, kind + '_'):
                    os.ftruncate(fd, os.fstat(fd).st_size // 2)
                    die()
                return fsync(fd)

            os.fsync = half_written
        elif when == 'renamed':
            replace = os.replace

            def replace_then_die(src, dst, *args, **kwargs):
                replace(src, dst, *args, **kwargs)
                if now(str(dst), kind + '_') and str(dst).endswith('.pth'):
                    die()

            os.replace = replace_then_die
        elif self.moment == 'old_best_removed':
            remove = os.remove

            def remove_then_die(path, *args, **kwargs):
                remove(path, *args, **kwargs)
                if now(str(path), 'best_'):
                    die()

            os.remove = remove_then_die
        else:
            raise ValueError(f'unknown moment {self.moment}')


@HOOKS.register_module()
class DiskFullAtSaveHook(Hook):
    """The first checkpoint save writes part of its file, then fails as a
    full disk does (ENOSPC)."""

    def before_train(self, runner) -> None:
        import errno

        fsync = os.fsync

        def full_disk(fd):
            if os.readlink(f'/proc/self/fd/{fd}').endswith('.pth.tmp'):
                os.ftruncate(fd, 16)  # part of the file made it to disk
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return fsync(fd)

        os.fsync = full_disk
