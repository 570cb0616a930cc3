from .softmax_cross_entropy_loss import (SoftmaxCrossEntropyLoss,
                                         softmax_cross_entropy)
from .softmax_focal_loss import SoftmaxFocalLoss, softmax_focal_loss

__all__ = [
    'SoftmaxCrossEntropyLoss', 'softmax_cross_entropy', 'SoftmaxFocalLoss',
    'softmax_focal_loss'
]
