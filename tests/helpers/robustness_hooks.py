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
    """Turns one weight into NaN before iteration ``at_iter`` (1-based)."""

    def __init__(self, at_iter: int) -> None:
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        if runner.iter + 1 == self.at_iter:
            model = runner.model.module if hasattr(runner.model,
                                                   'module') else runner.model
            with torch.no_grad():
                model.decode_head.conv_seg.weight.fill_(float('nan'))


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
