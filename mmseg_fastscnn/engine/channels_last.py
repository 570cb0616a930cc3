"""Run the model in the channels-last (NHWC) memory format."""
import torch
from mmengine.hooks import Hook
from mmengine.model import MMDistributedDataParallel, is_model_wrapper

from mmseg.registry import HOOKS, MODEL_WRAPPERS
from .mixed_precision import check_enabled


def is_channels_last(model: torch.nn.Module) -> bool:
    """Whether the model's first 4-D weight is channels-last."""
    weight = next((p for p in model.parameters() if p.dim() == 4), None)
    return weight is not None and weight.is_contiguous(
        memory_format=torch.channels_last)


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to channels-last before the run, so
    it runs NHWC throughout (faster oneDNN convs; mmengine has no such
    option). A DDP-wrapped model must already be channels-last
    (:class:`ChannelsLastDistributedDataParallel`)."""
    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = check_enabled(enabled, 'ChannelsLastHook')

    def before_run(self, runner) -> None:
        if is_model_wrapper(runner.model):
            if self.enabled and not is_channels_last(runner.model.module):
                raise ValueError(
                    'ChannelsLastHook: a distributed model is made '
                    'channels-last before DDP wraps it: set model_wrapper_cfg'
                    "=dict(type='mmseg.ChannelsLastDistributedDataParallel') or "
                    'default_hooks.channels_last.enabled=False')
        elif self.enabled:
            runner.model.to(memory_format=torch.channels_last)
        runner.logger.info('memory format: ' + (
            'channels_last' if is_channels_last(runner.model) else
            'contiguous (NCHW)'))


@MODEL_WRAPPERS.register_module()
class ChannelsLastDistributedDataParallel(MMDistributedDataParallel):
    """mmengine's DDP wrapper around the model made channels-last first."""

    def __init__(self, module: torch.nn.Module, **kwargs) -> None:
        module.to(memory_format=torch.channels_last)
        super().__init__(module=module, **kwargs)
