"""Fast-SCNN for MMSegmentation 1.x: importing this registers every component.

Registered names: backbone ``FastSCNNPaper``, head ``FastSCNNClassifierHead``,
losses ``SoftmaxCrossEntropyLoss``, ``SoftmaxFocalLoss``,
``SoftTargetKLLoss`` and ``LovaszSoftmaxLoss``, segmentors
``TTADistillEncoderDecoder`` and ``MeanProbSegTTAModel``, dataset
``CamVidDataset``, transforms ``LoadImageFromFileOnce`` and
``LoadAnnotationsOnce``, optim wrapper ``BF16OptimWrapper``, loops
``AutocastValLoop`` and ``AutocastTestLoop``, hooks (``ChannelsLastHook``,
``WeightsOnlyCheckpointHook``, ``SafeCheckpointHook``,
``TrainOnlyEarlyStoppingHook``...), runner ``WeightsOnlyRunner``. Importing
it also routes mmengine's local checkpoint loading through the weights-only
loader and silences, by name, warnings the toolbox raises on correct use.
"""
from . import datasets, engine, evaluation, models  # noqa: F401
from . import visualization  # noqa: F401  (registration)
from .utils.toolbox_noise import quiet_toolbox_noise
from .version import __version__

quiet_toolbox_noise()  # warnings of the toolbox's own making, by name

__all__ = ['__version__']
