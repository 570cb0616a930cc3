"""Checkpoints that load weights-only and survive a kill at any moment."""
import os.path as osp
import re

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook, Hook

from mmseg.registry import HOOKS
from ..checkpoint import from_weights_only, to_weights_only


@HOOKS.register_module()
class WeightsOnlyCheckpointHook(Hook):
    """Checkpoints that ``torch.load(weights_only=True)`` opens: every entry
    but ``state_dict`` converted on save and back on load (mmengine 0.10.7
    pickles objects torch >= 2.6 refuses; :mod:`mmseg_fastscnn.checkpoint`).
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
        checkpoint.update({key: to_weights_only(value) for key, value
                           in checkpoint.items() if key != 'state_dict'})

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.update({key: from_weights_only(value) for key, value
                           in checkpoint.items() if key != 'state_dict'})


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose checkpoints survive a kill.

    Why, against mmengine 0.10.7 (public methods overridden only): it wrote
    ``epoch_k.pth`` before epoch k's validation (a run resumed from it never
    validated epoch k; here: after it, or before the next epoch / at the end
    when none follows), removed the old best before writing the new one
    (here: after), and kept absolute best paths (a copied work dir deleted
    the original's). Files are written whole by the ``backend_args`` backend
    (``atomic_local``); ``*.tmp`` left by a kill are removed at the start.
    """

    _pending_epoch = None

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process():
            for name in self.file_backend.list_dir_or_file(
                    self.out_dir, list_dir=False, suffix='.tmp'):
                self.file_backend.remove(
                    self.file_backend.join_path(self.out_dir, name))
                runner.logger.info(f'removed {name}, left by a killed save')
        if self.save_best is not None:
            self._set_bests({key: path and self.file_backend.join_path(
                self.out_dir, osp.basename(path))
                for key, path in self._bests().items()})

    def _bests(self) -> dict:
        """{key: best checkpoint path or None}, one or several keys."""
        if len(self.key_indicators) == 1:
            return {self.key_indicators[0]: self.best_ckpt_path}
        return dict(self.best_ckpt_path_dict)

    def _set_bests(self, bests: dict) -> None:
        if len(self.key_indicators) == 1:
            self.best_ckpt_path = bests[self.key_indicators[0]]
        else:
            self.best_ckpt_path_dict = bests

    def after_train_epoch(self, runner) -> None:
        if self.by_epoch and (
                self.every_n_epochs(runner, self.interval, self.save_begin)
                or (self.save_last and self.is_last_train_epoch(runner))):
            self._pending_epoch = runner.epoch + 1  # saved after validation

    def _save_pending(self, runner) -> None:
        """Write the epoch checkpoint held back by ``after_train_epoch``
        with mmengine's bookkeeping (``max_keep_ckpts``, ``last_ckpt``)."""
        epoch, self._pending_epoch = self._pending_epoch, None
        if epoch is None:
            return
        runner.logger.info(f'Saving checkpoint at {epoch} epochs')
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
            self.out_dir, filename, save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=dict(epoch=epoch, iter=runner.iter), by_epoch=True,
            backend_args=self.backend_args, **self.args)
        if is_main_process():
            self.file_backend.put_text(
                self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))

    def after_val(self, runner) -> None:
        self._save_pending(runner)

    def before_train_epoch(self, runner) -> None:
        self._save_pending(runner)  # the last epoch was not validated

    def after_train(self, runner) -> None:
        self._save_pending(runner)
        super().after_train(runner)
        best = runner.message_hub.get_info('best_score')
        if best is not None and self.best_ckpt_path and len(
                self.key_indicators) == 1:
            where = re.search(r'_(epoch|iter)_(\d+)\.pth$',
                              self.best_ckpt_path)
            runner.logger.info(
                f'training done: best {self.key_indicators[0]} {best:.2f}' +
                (f' at {where.group(1)} {where.group(2)}' if where else '') +
                f', checkpoint {self.best_ckpt_path}')

    def after_val_epoch(self, runner, metrics) -> None:
        """mmengine's best-checkpoint step, shown no old best (it would
        remove it first) and no last checkpoint (it would write the epoch's
        file there before every hook saw the validation); old bests are
        removed after the new one is written."""
        if self.save_best is None or not metrics:
            return super().after_val_epoch(runner, metrics)
        old, last = self._bests(), self.last_ckpt
        self._set_bests(dict.fromkeys(old))
        if self.by_epoch:
            self.last_ckpt = None
        super().after_val_epoch(runner, metrics)
        self.last_ckpt = last
        new = self._bests()
        for key, path in new.items():
            if path is None:  # not better: keep the old one
                new[key] = old[key]
            elif is_main_process():
                self._remove_other_bests(runner, key, path)
        self._set_bests(new)

    def _remove_other_bests(self, runner, key: str, keep: str) -> None:
        prefix = f'best_{key}_'.replace('/', '_')
        for name in self.file_backend.list_dir_or_file(
                self.out_dir, list_dir=False, suffix='.pth'):
            if name.startswith(prefix) and name != osp.basename(keep):
                self.file_backend.remove(
                    self.file_backend.join_path(self.out_dir, name))
                runner.logger.info(f'The previous best checkpoint {name} is '
                                   'removed')
