"""Hooks of the plugin."""
import glob
import json
import os
import os.path as osp
import re
from typing import Optional

import torch
import torch.nn as nn
from mmengine.dist import all_reduce, get_world_size, is_main_process
from mmengine.hooks import CheckpointHook, EarlyStoppingHook, Hook

from mmseg.registry import HOOKS
from ..fileio import atomic_path, write_json
from .weights_only import from_weights_only, to_weights_only


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Store checkpoints in a form ``torch.load(weights_only=True)`` accepts.

    Converts the message hub, scheduler and meta entries on save
    (``before_save_checkpoint``) and back on load (``after_load_checkpoint``).
    ``state_dict`` and optimizer tensors are untouched. In the CamVid
    configs' ``default_hooks`` (``weights_only``).
    """
    priority = 'LOWEST'

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        hub = checkpoint.get('message_hub')
        if isinstance(hub, dict) and isinstance(hub.get('resumed_keys'),
                                                dict):
            # a key popped before a save (loop_stage, when training ends)
            # would make mmengine warn at resume that it has no value
            present = set(hub.get('runtime_info') or {}) | set(
                hub.get('log_scalars') or {})
            hub['resumed_keys'] = type(hub['resumed_keys'])(
                (k, v) for k, v in hub['resumed_keys'].items()
                if k in present)
        for key in list(checkpoint):
            if key != 'state_dict':
                checkpoint[key] = to_weights_only(checkpoint[key])

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        for key in list(checkpoint):
            if key != 'state_dict':
                checkpoint[key] = from_weights_only(checkpoint[key])


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose files survive a kill at any moment.

    Why, against mmengine 0.10.7:

    - It writes ``epoch_k.pth`` before epoch k is validated, so a run
      resumed from it never validates epoch k (no best checkpoint for it,
      an early-stopping count from before it). Here an epoch that is
      validated is checkpointed once every hook has seen its validation
      (``after_val``), an epoch that is not, as before.
    - It removes the old ``best_*.pth`` before writing the new one, so a
      kill in between leaves no best checkpoint. Here the new best is
      written first; then the old one, and any other ``best_<key>_*.pth``
      left by a killed run, are removed.
    - It keeps absolute paths of the best and last checkpoints, so a copied
      work dir resumed in place reads and deletes the original's files.
      Here they are taken from the run's own ``out_dir``.
    """

    _deferred = False

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if self.save_best is None:
            return
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = self._own(runner, self.best_ckpt_path,
                                            'best_ckpt')
        else:
            for key in self.key_indicators:
                self.best_ckpt_path_dict[key] = self._own(
                    runner, self.best_ckpt_path_dict[key], f'best_ckpt_{key}')

    def _own(self, runner, path, info_key):
        """``path`` moved into this run's ``out_dir`` (same file name)."""
        if not path:
            return path
        own = osp.join(self.out_dir, osp.basename(path))
        if own != path:
            runner.message_hub.update_info(info_key, own)
        return own

    def _validates_after(self, runner) -> bool:
        """Whether the train loop validates after the current epoch."""
        loop = runner.train_loop
        epoch = runner.epoch + 1
        val_interval = getattr(loop, 'val_interval', None)
        if (not self.by_epoch or runner.val_loop is None
                or not val_interval):
            return False
        return epoch >= loop.val_begin and (epoch % val_interval == 0
                                            or epoch == loop.max_epochs)

    def after_train_epoch(self, runner) -> None:
        if not self.by_epoch:
            return
        due = self.every_n_epochs(runner, self.interval, self.save_begin) or (
            self.save_last and self.is_last_train_epoch(runner))
        if due and self._validates_after(runner):
            self._deferred = True  # written after this epoch's validation
            return
        super().after_train_epoch(runner)

    def after_val(self, runner) -> None:
        """Write the epoch checkpoint held back by ``after_train_epoch``:
        every hook has seen this epoch's validation (``after_val_epoch``)."""
        self._save_deferred(runner)

    def _save_deferred(self, runner) -> None:
        if not self._deferred:
            return
        self._deferred = False
        runner.logger.info(f'Saving checkpoint at {runner.epoch} epochs '
                           '(after its validation)')
        # runner.epoch already counts the epoch that ended
        self._save_epoch_checkpoint(runner, runner.epoch)

    def _save_epoch_checkpoint(self, runner, epoch: int) -> None:
        """mmengine's epoch save (``max_keep_ckpts``, ``last_ckpt``, the
        ``last_checkpoint`` pointer) through the public
        ``Runner.save_checkpoint``: its own helper is private."""
        if self.max_keep_ckpts > 0 and epoch not in self.keep_ckpt_ids:
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                oldest = self.file_backend.join_path(
                    self.out_dir,
                    self.filename_tmpl.format(self.keep_ckpt_ids.popleft()))
                if is_main_process() and self.file_backend.isfile(oldest):
                    self.file_backend.remove(oldest)
            self.keep_ckpt_ids.append(epoch)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))
        filename = self.filename_tmpl.format(epoch)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            filename,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=dict(epoch=epoch, iter=runner.iter),
            by_epoch=True,
            backend_args=self.backend_args,
            **self.args)
        if is_main_process():
            pointer = osp.join(runner.work_dir, 'last_checkpoint')
            with atomic_path(pointer) as tmp, open(tmp, 'w') as f:
                f.write(self.last_ckpt)

    def after_train(self, runner) -> None:
        self._save_deferred(runner)
        super().after_train(runner)
        self._log_summary(runner)

    def _log_summary(self, runner) -> None:
        """One line at the end of training: the best score, its epoch and
        its checkpoint (mmengine states none of them)."""
        if self.save_best is None or len(self.key_indicators) != 1:
            return
        key = self.key_indicators[0]
        best = runner.message_hub.get_info('best_score')
        path = self.best_ckpt_path
        if best is None or not path:
            return
        match = re.search(r'_(epoch|iter)_(\d+)\.pth$', path)
        where = f' at {match.group(1)} {match.group(2)}' if match else ''
        runner.logger.info(f'training done: best {key} {best:.2f}{where}, '
                           f'checkpoint {path}')

    def after_val_epoch(self, runner, metrics) -> None:
        """mmengine's best-checkpoint step, shown no old best path (it
        would remove the old file before writing the new one); the old
        bests are removed once the new ones are written."""
        if self.save_best is None or not metrics:
            super().after_val_epoch(runner, metrics)
            return
        single = len(self.key_indicators) == 1
        old = ({None: self.best_ckpt_path}
               if single else dict(self.best_ckpt_path_dict))
        # mmengine removes a best path before writing the new one: give it
        # none, and remove the old ones once the new ones are written
        if single:
            self.best_ckpt_path = None
        else:
            self.best_ckpt_path_dict = {k: None for k in old}
        super().after_val_epoch(runner, metrics)
        new = ({None: self.best_ckpt_path}
               if single else dict(self.best_ckpt_path_dict))
        for key, path in new.items():
            if path is None:  # not better: keep the old one
                new[key] = old[key]
            elif is_main_process():
                self._remove_other_bests(runner, key, path)
        if single:
            self.best_ckpt_path = new[None]
        else:
            self.best_ckpt_path_dict = new

    def _remove_other_bests(self, runner, key, keep: str) -> None:
        indicator = key if key is not None else self.key_indicators[0]
        pattern = f'best_{indicator}_'.replace('/', '_') + '*.pth'
        for path in glob.glob(osp.join(glob.escape(self.out_dir), pattern)):
            if osp.abspath(path) != osp.abspath(keep):
                os.remove(path)
                runner.logger.info(
                    f'The previous best checkpoint {path} is removed')


@HOOKS.register_module()
class ValLossHook(Hook):
    """Log the decode head's loss on the validation set as ``val/loss``.

    Why: mmengine's ValLoop only runs ``val_step`` (predictions), so the
    validation loss that the training curves need is never computed. The
    loss uses the head's own ``loss_decode`` terms on the predictions'
    logits at the original image size; it only reads them. The logged value
    is this validation's own (mmengine's log processor would average it with
    up to 9 earlier validations).
    """
    priority = 'ABOVE_NORMAL'  # before LoggerHook reads the message hub

    @staticmethod
    def _head(runner) -> Optional[nn.Module]:
        model = runner.model.module if hasattr(runner.model,
                                               'module') else runner.model
        return getattr(model, 'decode_head', None)

    def before_val_epoch(self, runner) -> None:
        self._total = 0.0
        self._count = 0

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        head = self._head(runner)
        if head is None or not outputs:
            return
        losses = head.loss_decode if isinstance(
            head.loss_decode, nn.ModuleList) else [head.loss_decode]
        with torch.no_grad():
            for sample in outputs:
                if 'gt_sem_seg' not in sample or 'seg_logits' not in sample:
                    continue
                logits = sample.seg_logits.data.unsqueeze(0).float()
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
            # this validation's value alone: the log processor reports the
            # mean of a key's last 10 values when its name has 'loss' in it
            runner.message_hub.log_scalars.pop('val/loss', None)
            runner.message_hub.update_scalar('val/loss', total / count)


@HOOKS.register_module()
class TrainOnlyEarlyStoppingHook(EarlyStoppingHook):
    """mmengine's ``EarlyStoppingHook`` that leaves testing alone and whose
    state travels in the checkpoint, as ``EMAHook``'s does.

    Why, against mmengine 0.10.7:

    - Its ``before_run`` checks ``runner.train_loop``, which builds the
      train dataloader (and scans the train split) even in ``runner.test()``.
      Here the loop is checked in ``before_train``, once training starts.
    - The best score and the wait count live in the hook's attributes only,
      so a resumed run started its patience over, and a run that had
      stopped early trained on when resumed. Here they are saved in
      ``meta['early_stopping']`` (plain floats and ints, one entry per hook
      of this type) and restored on ``resume`` only (not on ``load_from``,
      which starts a new run). A stop is recorded in
      ``<work_dir>/early_stopped.json``; resuming that run at or after the
      recorded epoch trains nothing (delete the file to train on).
    """
    MARKER = 'early_stopped.json'
    _resumed = False

    def before_run(self, runner) -> None:
        pass

    def before_train(self, runner) -> None:
        super().before_run(runner)
        marker = self._marker(runner)
        # a new (not resumed) run drops an earlier run's stop record
        if not self._resumed and is_main_process() and osp.isfile(marker):
            os.remove(marker)

    @classmethod
    def _marker(cls, runner) -> str:
        return osp.join(runner.work_dir, cls.MARKER)

    def _index(self, runner) -> int:
        """This hook's place among the run's hooks of its type."""
        same = [h for h in runner.hooks if isinstance(h, type(self))]
        return next(i for i, h in enumerate(same) if h is self)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        states = checkpoint.setdefault('meta', {}).setdefault(
            'early_stopping', [])
        index = self._index(runner)
        states.extend({} for _ in range(index + 1 - len(states)))
        states[index] = dict(best_score=float(self.best_score),
                             wait_count=int(self.wait_count))

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        if not getattr(runner, 'resuming', False):
            return
        self._resumed = True
        meta = checkpoint.get('meta', {})
        states = meta.get('early_stopping') or []
        index = self._index(runner)
        if index < len(states) and states[index]:
            self.best_score = float(states[index]['best_score'])
            self.wait_count = int(states[index]['wait_count'])
        epoch = int(meta.get('epoch', 0))
        if self.wait_count >= self.patience:
            # saved after the validation that used the patience up (a kill
            # came before the stop record was written)
            runner.train_loop.stop_training = True
            runner.logger.warning(
                f'this run used up its early-stopping patience at epoch '
                f'{epoch}: nothing to resume')
            return
        marker = self._marker(runner)
        if not osp.isfile(marker):
            return
        with open(marker) as f:
            stopped_at = int(json.load(f)['epoch'])
        if epoch >= stopped_at:
            runner.train_loop.stop_training = True
            runner.logger.warning(
                f'this run stopped early at epoch {stopped_at} ({marker}): '
                'nothing to resume; delete that file to train on')

    def after_train(self, runner) -> None:
        if (getattr(runner.train_loop, 'stop_training', False)
                and is_main_process()):
            write_json(self._marker(runner), dict(epoch=int(runner.epoch)),
                       indent=None)


@HOOKS.register_module()
class RunShapeHook(Hook):
    """Record the number of processes and the batch per process in each
    checkpoint, and warn when a run resumes with others.

    Why: the schedule's iteration count was fixed by the first start (a
    OneCycle of a 2-process run ends halfway through when resumed with one
    process) and the effective batch changes; mmengine says nothing.
    In the CamVid configs' ``default_hooks`` (``run_shape``).
    """
    priority = 'VERY_LOW'

    @staticmethod
    def _shape(runner) -> dict:
        loader = runner.cfg.get('train_dataloader') or {}
        return dict(world_size=int(get_world_size()),
                    batch_size=int(loader.get('batch_size', 0) or 0))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['run_shape'] = self._shape(runner)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('meta', {}).get('run_shape')
        if not getattr(runner, 'resuming', False) or not saved:
            return
        now = self._shape(runner)
        if now != saved:
            runner.logger.warning(
                f'resuming a run of {saved["world_size"]} process(es) x '
                f'batch {saved["batch_size"]} with {now["world_size"]} x '
                f'{now["batch_size"]}: the effective batch changes from '
                f'{saved["world_size"] * saved["batch_size"]} to '
                f'{now["world_size"] * now["batch_size"]} and the schedule '
                'keeps the iteration count of the first start (an '
                'iteration-based schedule such as OneCycle then ends early '
                'or late); resume with the original shape to avoid this')


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training with an error when the loss is NaN or infinite.

    Raises FloatingPointError naming the iteration, before any checkpoint of
    the broken weights is written (checkpoint hooks run later), so the last
    good checkpoint stays in place. The loss is computed before the
    optimizer step, so a step that breaks the weights shows only in the
    next loss: every checkpoint's weights are checked too before it is
    written (the last step of an epoch). In the CamVid configs'
    ``default_hooks`` (``nonfinite_loss``).
    """
    priority = 'ABOVE_NORMAL'

    @staticmethod
    def _stop(runner, what: str) -> None:
        last = runner.message_hub.get_info('last_ckpt', None)
        raise FloatingPointError(
            f'{what}; training stopped. Last good checkpoint: '
            f'{last or "none yet"}. Lower the learning rate or check the '
            'data, then resume from it.')

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [
            key for key, value in checkpoint.get('state_dict', {}).items()
            if torch.is_tensor(value) and value.is_floating_point()
            and not torch.isfinite(value).all()
        ]
        if bad:
            self._stop(
                runner, f'non-finite weights after iteration {runner.iter} '
                f'(epoch {runner.epoch}): {", ".join(bad[:3])}'
                f'{" ..." if len(bad) > 3 else ""}; not saved')

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
            self._stop(
                runner, f'non-finite loss at iteration {runner.iter + 1} '
                f'(epoch {runner.epoch + 1}): {bad}')
