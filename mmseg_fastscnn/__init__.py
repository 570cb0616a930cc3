"""Fast-SCNN for MMSegmentation 1.x: importing this registers every component
and changes nothing else in the process.

Registered names: backbone ``FastSCNNPaper``, head ``FastSCNNClassifierHead``,
losses ``SoftmaxCrossEntropyLoss``, ``SoftmaxFocalLoss``,
``SoftTargetKLLoss`` and ``LovaszSoftmaxLoss``, segmentors
``TTADistillEncoderDecoder`` and ``MeanProbSegTTAModel``, dataset
``CamVidDataset``, transforms ``LoadImageFromFileOnce`` and
``LoadAnnotationsOnce``, optim wrapper ``BF16OptimWrapper``, loops
``AutocastValLoop`` and ``AutocastTestLoop``, hooks (``ChannelsLastHook``,
``WeightsOnlyCheckpointHook``, ``SafeCheckpointHook``,
``TrainOnlyEarlyStoppingHook``...), model wrapper
``ChannelsLastDistributedDataParallel``, file backend ``atomic_local``.
"""
from . import datasets, engine, evaluation, fileio, models  # noqa: F401
from . import visualization  # noqa: F401  (registration)
from .version import __version__

__all__ = ['__version__']
