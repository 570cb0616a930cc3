from .channels_last import ChannelsLastDistributedDataParallel, ChannelsLastHook
from .checkpoint_hooks import SafeCheckpointHook, WeightsOnlyCheckpointHook
from .hooks import NonFiniteLossHook, ValLossHook
from .mixed_precision import (AutocastTestLoop, AutocastValLoop,
                              BF16OptimWrapper)
from .resume_hooks import (ResumedScheduleHook, RunShapeHook,
                           TrainOnlyEarlyStoppingHook)

__all__ = [
    'AutocastTestLoop', 'AutocastValLoop', 'BF16OptimWrapper',
    'ChannelsLastDistributedDataParallel', 'ChannelsLastHook',
    'NonFiniteLossHook', 'ResumedScheduleHook', 'RunShapeHook',
    'SafeCheckpointHook', 'TrainOnlyEarlyStoppingHook', 'ValLossHook',
    'WeightsOnlyCheckpointHook'
]
