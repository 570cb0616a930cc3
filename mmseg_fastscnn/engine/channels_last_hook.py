"""Run the model in the channels-last (NHWC) memory format."""
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmseg.registry import HOOKS


@HOOKS.register_module()
class ChannelsLastHook(Hook):
    """Convert the model's 4-D weights to channels-last before the run.

    Why: oneDNN's convolutions on a CPU are faster in NHWC; a conv whose
    weight is channels-last returns a channels-last output, so the whole
    network runs NHWC from the first layer on (mmengine has no such
    option). Parameters keep their identity (the optimizer's references
    hold); checkpoints load into them unchanged. ``enabled=False`` keeps
    the contiguous (NCHW) format.
    """
    priority = 'VERY_HIGH'

    def __init__(self, enabled: bool = True) -> None:
        if not isinstance(enabled, bool):
            raise ValueError('ChannelsLastHook enabled must be True or '
                             f'False, got {enabled!r}')
        self.enabled = enabled

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(
            runner.model) else runner.model
        if self.enabled:
            model.to(memory_format=torch.channels_last)
        runner.logger.info('memory format: ' + (
            'channels_last' if self.enabled else 'contiguous (NCHW)'))
