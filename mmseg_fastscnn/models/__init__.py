from .backbones import FastSCNNPaper
from .decode_heads import FastSCNNClassifierHead
from .instance_batch_norm import InstanceBatchNorm2d
from .losses import SoftmaxCrossEntropyLoss, SoftmaxFocalLoss, SoftTargetKLLoss
from .segmentors import SegmentorExportWrapper, TTADistillEncoderDecoder

__all__ = [
    'FastSCNNPaper', 'FastSCNNClassifierHead', 'InstanceBatchNorm2d',
    'SoftmaxCrossEntropyLoss',
    'SoftmaxFocalLoss', 'SoftTargetKLLoss', 'SegmentorExportWrapper',
    'TTADistillEncoderDecoder'
]
