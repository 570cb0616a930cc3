from ..checkpoint import UnsafeCheckpointError, load_checkpoint_file
from .hooks import (EarlyStoppingStateHook, NonFiniteLossHook, ValLossHook,
                    WeightsOnlyCheckpointHook)
from .runner import WeightsOnlyRunner

__all__ = [
    'UnsafeCheckpointError', 'load_checkpoint_file',
    'EarlyStoppingStateHook', 'NonFiniteLossHook', 'ValLossHook',
    'WeightsOnlyCheckpointHook', 'WeightsOnlyRunner'
]
