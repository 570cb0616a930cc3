from .backbones import FastSCNNPaper
from .decode_heads import FastSCNNClassifierHead
from .losses import SoftmaxCrossEntropyLoss, SoftmaxFocalLoss
from .segmentors import SegmentorExportWrapper

__all__ = [
    'FastSCNNPaper', 'FastSCNNClassifierHead', 'SoftmaxCrossEntropyLoss',
    'SoftmaxFocalLoss', 'SegmentorExportWrapper'
]
