"""Hooks of the plugin."""
import json
import os
import os.path as osp

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, is_main_process
from mmengine.hooks import EarlyStoppingHook, Hook

from mmseg.registry import HOOKS
from .weights_only import from_weights_only, to_weights_only


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Store checkpoints in a form ``torch.load(weights_only=True)`` accepts.

    Converts the message hub, scheduler and meta entries on save
    (``before_save_checkpoint``) and back on load (``after_load_checkpoint``).
    ``state_dict`` and optimizer tensors are untouched. Added automatically by
    :class:`WeightsOnlyRunner`.
    """
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key != 'state_dict':
                checkpoint[key] = to_weights_only(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key != 'state_dict':
                checkpoint[key] = from_weights_only(checkpoint[key])


@HOOKS.register_module()
class ValLossHook(Hook):
    """Log the decode head's loss on the validation set as ``val/loss``.

    Why: mmengine's ValLoop only runs ``val_step`` (predictions), so the
    validation loss that the training curves need is never computed. The
    loss uses the head's own ``loss_decode`` terms on the predictions at the
    original image size (probabilities in 'prob' mode are turned back into
    log-probabilities, which give the same softmax).
    """
    priority = 'ABOVE_NORMAL'  # before LoggerHook reads the message hub

    def before_val_epoch(self, runner) -> None:
        self._total = 0.0
        self._count = 0

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        model = runner.model.module if hasattr(runner.model,
                                               'module') else runner.model
        head = getattr(model, 'decode_head', None)
        if head is None or not outputs:
            return
        losses = head.loss_decode if isinstance(
            head.loss_decode, nn.ModuleList) else [head.loss_decode]
        prob_mode = getattr(head, 'infer_mode', 'cls') == 'prob'
        with torch.no_grad():
            for sample in outputs:
                if 'gt_sem_seg' not in sample or 'seg_logits' not in sample:
                    continue
                logits = sample.seg_logits.data.unsqueeze(0).float()
                if prob_mode:
                    logits = logits.clamp_min(1e-12).log()
                label = sample.gt_sem_seg.data.to(logits.device).long()
                total = sum(
                    float(loss(logits, label, ignore_index=head.ignore_index))
                    for loss in losses)
                self._total += total
                self._count += 1

    def after_val_epoch(self, runner, metrics=None) -> None:
        # every rank saw its own shard of the val set: sum over ranks
        totals = torch.tensor([self._total, float(self._count)],
                              dtype=torch.float64)
        all_reduce(totals)  # no-op in a single process
        total, count = float(totals[0]), int(totals[1])
        if count:
            runner.message_hub.update_scalar('val/loss', total / count)


@HOOKS.register_module()
class EarlyStoppingStateHook(Hook):
    """Carry mmengine's ``EarlyStoppingHook`` state through checkpoints.

    Why: mmengine 0.10.7 keeps the best score and the wait count in the
    hook's attributes only, so a resumed run would start its patience over,
    and a run that has stopped early would train on when resumed (its last
    checkpoint is written before the validation that stopped it).
    Saved in ``meta['early_stopping']`` (plain floats and ints), restored on
    ``resume`` only (not on ``load_from``, which starts a new run). A stop is
    recorded in ``<work_dir>/early_stopped.json``; resuming that run at or
    after the recorded epoch trains nothing (delete the file to train on).
    Added automatically by :class:`WeightsOnlyRunner`.
    """
    priority = 'VERY_LOW'
    MARKER = 'early_stopped.json'
    _resumed = False

    @classmethod
    def _marker(cls, runner) -> str:
        return osp.join(runner.work_dir, cls.MARKER)

    @staticmethod
    def _stoppers(runner) -> list:
        return [h for h in runner.hooks if isinstance(h, EarlyStoppingHook)]

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = [
            dict(best_score=float(h.best_score), wait_count=int(h.wait_count))
            for h in self._stoppers(runner)
        ]
        if states:
            checkpoint.setdefault('meta', {})['early_stopping'] = states

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, 'resuming', False):
            return
        self._resumed = True
        states = checkpoint.get('meta', {}).get('early_stopping') or []
        for hook, state in zip(self._stoppers(runner), states):
            hook.best_score = float(state['best_score'])
            hook.wait_count = int(state['wait_count'])
        marker = self._marker(runner)
        if not osp.isfile(marker):
            return
        with open(marker) as f:
            stopped_at = int(json.load(f)['epoch'])
        if int(checkpoint.get('meta', {}).get('epoch', 0)) >= stopped_at:
            runner.train_loop.stop_training = True
            runner.logger.warning(
                f'this run stopped early at epoch {stopped_at} ({marker}): '
                'nothing to resume; delete that file to train on')

    def before_train(self, runner) -> None:
        """A new (not resumed) run drops an earlier run's stop record."""
        marker = self._marker(runner)
        if not self._resumed and is_main_process() and osp.isfile(marker):
            os.remove(marker)

    def after_train(self, runner) -> None:
        if (getattr(runner.train_loop, 'stop_training', False)
                and self._stoppers(runner) and is_main_process()):
            with open(self._marker(runner), 'w') as f:
                json.dump(dict(epoch=int(runner.epoch)), f)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training with an error when the loss is NaN or infinite.

    Raises FloatingPointError naming the iteration, before any checkpoint of
    the broken weights is written (checkpoint hooks run later), so the last
    good checkpoint stays in place. Added automatically by
    :class:`WeightsOnlyRunner`.
    """
    priority = 'ABOVE_NORMAL'

    def after_train_iter(self, runner, batch_idx: int, data_batch=None,
                         outputs=None) -> None:
        if not outputs:
            return
        bad = {
            key: float(value)
            for key, value in outputs.items() if key.startswith('loss')
            and not torch.isfinite(torch.as_tensor(value)).all()
        }
        if bad:
            last = runner.message_hub.get_info('last_ckpt', None)
            raise FloatingPointError(
                f'non-finite loss at iteration {runner.iter + 1} (epoch '
                f'{runner.epoch + 1}): {bad}; training stopped. Last good '
                f'checkpoint: {last or "none yet"}. Lower the learning rate '
                'or check the data, then resume from it.')
