"""Hooks whose state travels in the checkpoint and comes back on resume."""
import os
import os.path as osp
from typing import Any, Optional

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import EarlyStoppingHook, Hook

from mmseg.registry import HOOKS
from ..fileio import write_json
from .resumed_schedule import (flat_schedulers, flat_states, restart,
                               schedule_changes, snapshot)

EARLY_STOP_RECORD = 'early_stopped.json'


def remove_early_stop_record(work_dir: str) -> None:
    """Drop an earlier run's early-stop record (this run writes its own)."""
    record = osp.join(work_dir, EARLY_STOP_RECORD)
    if is_main_process() and osp.isfile(record):
        os.remove(record)


class ResumableHook(Hook):
    """A hook that takes state from a checkpoint on resume only: what
    ``read_checkpoint`` takes in ``after_load_checkpoint`` (``load_from`` and
    resume alike) reaches ``resume_state`` in ``before_train`` only when the
    run is past iteration 0 (works under the stock Runner)."""
    _loaded: Any = None

    def read_checkpoint(self, runner, checkpoint: dict) -> Any:
        return None

    def resume_state(self, runner, loaded: Any) -> None:
        pass

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._loaded = self.read_checkpoint(runner, checkpoint)

    def before_train(self, runner) -> None:
        loaded, self._loaded = self._loaded, None
        if loaded is not None and runner.iter > 0:
            self.resume_state(runner, loaded)


@HOOKS.register_module()
class TrainOnlyEarlyStoppingHook(ResumableHook, EarlyStoppingHook):
    """mmengine's ``EarlyStoppingHook`` that leaves testing alone and whose
    state travels in the checkpoint, as ``EMAHook``'s does.

    Why, against mmengine 0.10.7: its ``before_run`` builds the train
    dataloader even in ``runner.test()``, and its best score and wait count
    are not saved (a resumed run started its patience over). Here they go in
    ``meta['early_stopping']`` (an entry per hook of this type); the stop is
    decided again on resume with the config's ``patience``, and recorded in
    ``<work_dir>/early_stopped.json``.
    """

    def before_run(self, runner) -> None:
        pass

    def before_train(self, runner) -> None:
        if runner.iter == 0:
            remove_early_stop_record(runner.work_dir)
        super().before_train(runner)

    def _index(self, runner) -> int:
        """This hook's place among the run's hooks of its type."""
        return [h for h in runner.hooks
                if isinstance(h, type(self))].index(self)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.setdefault('meta', {}).setdefault(
            'early_stopping', [])
        index = self._index(runner)
        states.extend({} for _ in range(index + 1 - len(states)))
        states[index] = dict(best_score=float(self.best_score),
                             wait_count=int(self.wait_count))

    def read_checkpoint(self, runner, checkpoint: dict) -> Optional[dict]:
        meta = checkpoint.get('meta', {})
        states = meta.get('early_stopping') or []
        index = self._index(runner)
        if index < len(states) and states[index]:
            return dict(states[index], epoch=int(meta.get('epoch', 0)))
        return None

    def resume_state(self, runner, loaded: dict) -> None:
        self.best_score = float(loaded['best_score'])
        self.wait_count = int(loaded['wait_count'])
        threshold = self.stopping_threshold
        if self.wait_count >= self.patience or (
                threshold is not None
                and self.rule_map[self.rule](self.best_score, threshold)):
            runner.train_loop.stop_training = True
            runner.logger.warning(
                f'this run stopped early at epoch {loaded["epoch"]} (best '
                f'{self.monitor} {self.best_score:.4g}, {self.wait_count} '
                'validations without improvement): nothing to resume; raise '
                'the hook\'s patience to train on')

    def after_train(self, runner) -> None:
        if runner.train_loop.stop_training and is_main_process():
            write_json(osp.join(runner.work_dir, EARLY_STOP_RECORD),
                       dict(epoch=int(runner.epoch)), indent=None)


@HOOKS.register_module()
class RunShapeHook(ResumableHook):
    """Processes x batch per process in each checkpoint; a warning when a
    run resumes with others (mmengine says nothing)."""
    priority = 'VERY_LOW'

    @staticmethod
    def _shape(runner) -> dict:
        loader = runner.cfg.get('train_dataloader') or {}
        return dict(world_size=int(get_world_size()),
                    batch_size=int(loader.get('batch_size', 0) or 0))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['run_shape'] = self._shape(runner)

    def read_checkpoint(self, runner, checkpoint: dict) -> Optional[dict]:
        return checkpoint.get('meta', {}).get('run_shape')

    def resume_state(self, runner, saved: dict) -> None:
        now = self._shape(runner)
        if now != saved:
            old, new = saved['world_size'], now['world_size']
            runner.logger.warning(
                f'resuming a run of {old} process(es) x batch '
                f'{saved["batch_size"]} with {new} x {now["batch_size"]}: the '
                f'effective batch changes from {old * saved["batch_size"]} to '
                f'{new * now["batch_size"]} and an iteration-based schedule '
                '(OneCycle) keeps the first start\'s length; resume with the '
                'original shape to avoid this')


@HOOKS.register_module()
class ResumedScheduleHook(ResumableHook):
    """A run resumed with a changed schedule follows the new one, as an
    unbroken run of it would (:mod:`.resumed_schedule`), with a warning.

    Why: ``Runner.resume`` loads the saved schedulers and their old length:
    a larger ``train_cfg.max_epochs`` trained at the old floor, silently.
    """
    priority = 'LOW'  # after the checkpoint's states are loaded
    _fresh = None

    def before_run(self, runner) -> None:
        schedulers = flat_schedulers(runner.param_schedulers)
        self._fresh = snapshot(schedulers) if schedulers else None

    def read_checkpoint(self, runner, checkpoint: dict) -> Any:
        return flat_states(checkpoint.get('param_schedulers'))

    def resume_state(self, runner, saved: list) -> None:
        total = getattr(runner.train_loop, 'max_epochs', None)
        if total is not None and runner.epoch >= total:
            runner.logger.warning(
                f'nothing left to train: the run is at epoch {runner.epoch} '
                f'of train_cfg.max_epochs={total}; raise '
                'train_cfg.max_epochs to train on')
        schedulers = flat_schedulers(runner.param_schedulers)
        if not schedulers or self._fresh is None:
            return
        changes = schedule_changes(saved, self._fresh[0],
                                   [type(s).__name__ for s in schedulers])
        if not changes:
            return
        restart(schedulers, self._fresh, runner.iter, runner.epoch,
                len(runner.train_dataloader))
        lr = schedulers[0].optimizer.param_groups[0]['lr']
        runner.logger.warning(
            f'the schedule differs from the checkpoint\'s '
            f'({"; ".join(changes[:2])}): from epoch {runner.epoch + 1} on '
            'the learning rate follows this config\'s schedule as an '
            f'unbroken run of it would (lr now {lr:.4g})')
