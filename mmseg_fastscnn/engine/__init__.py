from .checkpoint_io import UnsafeCheckpointError, load_checkpoint_file
from .hooks import ValLossHook, WeightsOnlyCheckpointHook
from .runner import WeightsOnlyRunner

__all__ = [
    'UnsafeCheckpointError', 'load_checkpoint_file',
    'ValLossHook', 'WeightsOnlyCheckpointHook', 'WeightsOnlyRunner'
]
