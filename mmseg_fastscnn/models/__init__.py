from .backbones import FastSCNNPaper
from .decode_heads import FastSCNNClassifierHead
from .losses import SoftmaxCrossEntropyLoss, SoftmaxFocalLoss, SoftTargetKLLoss
from .segmentors import SegmentorExportWrapper, TTADistillEncoderDecoder

__all__ = [
    'FastSCNNPaper', 'FastSCNNClassifierHead', 'SoftmaxCrossEntropyLoss',
    'SoftmaxFocalLoss', 'SoftTargetKLLoss', 'SegmentorExportWrapper',
    'TTADistillEncoderDecoder'
]
