"""bfloat16 mixed precision on any device: an optim wrapper for training,
validation and test loops. Why: mmengine's ``AmpOptimWrapper`` asserts a
GPU, and its loops' ``fp16=True`` autocasts where a CPU only emulates
bfloat16 (slower than float32) and in float16 on a GPU."""
from contextlib import contextmanager
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.device import get_device
from mmengine.evaluator import Evaluator
from mmengine.logging import print_log
from mmengine.optim import OptimWrapper
from mmengine.runner import TestLoop, ValLoop
from torch.utils.data import DataLoader

from mmseg.registry import LOOPS, OPTIM_WRAPPERS
from ..utils.precision import (autocast_or_log, float32_in_autocast,
                               is_slow_bf16_depthwise)


def check_enabled(enabled: bool, key: str) -> bool:
    if not isinstance(enabled, bool):
        raise ValueError(f'{key}.enabled must be True or False, got '
                         f'{enabled!r}')
    return enabled


@OPTIM_WRAPPERS.register_module()
class BF16OptimWrapper(OptimWrapper):
    """:class:`OptimWrapper` with forward passes under bfloat16 autocast
    where the model's device has it fast (weights, BN statistics, gradients
    and optimizer state stay float32; no loss scaling), float32 elsewhere;
    the first step logs which and why.

    Args:
        enabled (bool): False: float32, as :class:`OptimWrapper`.
        float32_depthwise (bool): On a CPU, strided or dilated depthwise
            convs compute in float32 (:func:`is_slow_bf16_depthwise`).
        **kwargs: :class:`OptimWrapper`'s (optimizer, clip_grad...).
    """

    def __init__(self, enabled: bool = True, float32_depthwise: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        self.enabled = check_enabled(enabled, 'optim_wrapper')
        self.float32_depthwise = float32_depthwise
        self._device_type: Optional[str] = None
        self._float32_modules: List[nn.Module] = []

    def _setup(self, model: nn.Module) -> None:
        """Decide the precision once, from the model's device; log it."""
        param = next(model.parameters(), None)
        self._device_type = 'cpu' if param is None else param.device.type
        self.enabled = autocast_or_log(self.enabled, self._device_type,
                                       'training')
        if self.enabled and self._device_type == 'cpu' \
                and self.float32_depthwise:
            slow = [m for m in model.modules() if is_slow_bf16_depthwise(m)]
            self._float32_modules = slow
            print_log(f'training precision: {len(slow)} strided or dilated '
                      'depthwise convs compute in float32', logger='current')

    @contextmanager
    def optim_context(self, model: nn.Module):
        """:meth:`OptimWrapper.optim_context` inside bfloat16 autocast (the
        slow depthwise convs in float32 within it: their forward is swapped
        for the block only, so the model is left as it was)."""
        if self._device_type is None:
            self._setup(model)
        with super().optim_context(model), torch.autocast(
                self._device_type, dtype=torch.bfloat16,
                enabled=self.enabled), float32_in_autocast(
                    self._float32_modules):
            yield


class _AutocastLoopMixin:
    """A loop whose ``run_iter`` runs under bfloat16 autocast where the
    device has it fast (``self.bf16``); ``CFG_KEY`` names its config."""
    CFG_KEY, WHAT = 'val_cfg', 'validation'

    def __init__(self, runner, dataloader: Union[DataLoader, Dict],
                 evaluator: Union[Evaluator, Dict, List],
                 enabled: bool = True) -> None:
        super().__init__(runner, dataloader, evaluator)
        self.device_type = get_device()
        self.bf16 = autocast_or_log(check_enabled(enabled, self.CFG_KEY),
                                    self.device_type, self.WHAT)

    def run_iter(self, idx, data_batch) -> None:
        with torch.autocast(self.device_type, dtype=torch.bfloat16,
                            enabled=self.bf16):
            super().run_iter(idx, data_batch)


@LOOPS.register_module()
class AutocastValLoop(_AutocastLoopMixin, ValLoop):
    """mmengine's ``ValLoop`` in the training's precision (as
    :class:`BF16OptimWrapper`): bfloat16 autocast where the device has it
    fast, else or with ``enabled=False`` float32."""


@LOOPS.register_module()
class AutocastTestLoop(_AutocastLoopMixin, TestLoop):
    """mmengine's ``TestLoop`` with :class:`AutocastValLoop`'s precision."""
    CFG_KEY, WHAT = 'test_cfg', 'test'
