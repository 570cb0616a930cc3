from ..checkpoint import UnsafeCheckpointError, load_checkpoint_file
from .mixed_precision import (AutocastTestLoop, AutocastValLoop,
                              BF16OptimWrapper)
from .channels_last_hook import ChannelsLastHook
from .hooks import (NonFiniteLossHook, TrainOnlyEarlyStoppingHook,
                    ValLossHook, WeightsOnlyCheckpointHook)
from .runner import WeightsOnlyRunner

__all__ = [
    'AutocastTestLoop', 'AutocastValLoop', 'BF16OptimWrapper',
    'ChannelsLastHook', 'UnsafeCheckpointError', 'load_checkpoint_file',
    'NonFiniteLossHook', 'TrainOnlyEarlyStoppingHook', 'ValLossHook',
    'WeightsOnlyCheckpointHook', 'WeightsOnlyRunner'
]
