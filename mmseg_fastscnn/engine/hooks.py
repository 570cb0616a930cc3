"""Hooks that watch a run: validation loss, non-finite losses and weights."""
import torch
from mmengine.dist import all_reduce
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS

from ..models.decode_heads.loss_modules import decode_losses


@HOOKS.register_module()
class ValLossHook(Hook):
    """Log the decode head's ``loss_decode`` on the validation logits as
    ``val/val_loss`` (apart from the training ``loss``). Why: mmengine's
    ValLoop only predicts, so the curves had no validation loss."""
    priority = 'ABOVE_NORMAL'  # before LoggerHook reads the message hub
    KEY = 'val/val_loss'

    def before_val_epoch(self, runner) -> None:
        self._total, self._count = 0.0, 0

    def after_val_iter(self, runner, batch_idx: int, data_batch=None,
                       outputs=None) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        head = getattr(model, 'decode_head', None)
        if head is None or not outputs:
            return
        losses = decode_losses(head)
        with torch.no_grad():
            for sample in outputs:
                if 'gt_sem_seg' not in sample or 'seg_logits' not in sample:
                    continue
                logits = sample.seg_logits.data.unsqueeze(0).float()
                label = sample.gt_sem_seg.data.to(logits.device).long()
                self._total += sum(
                    float(loss(logits, label, ignore_index=head.ignore_index))
                    for loss in losses)
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
            runner.message_hub.log_scalars.pop(self.KEY, None)
            runner.message_hub.update_scalar(self.KEY, total / count)


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Stop training with a FloatingPointError naming the iteration at the
    first non-finite loss or before saving non-finite weights, so the last
    good checkpoint stays the last one written."""
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
