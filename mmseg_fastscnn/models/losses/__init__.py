from .softmax_cross_entropy_loss import (SoftmaxCrossEntropyLoss,
                                         softmax_cross_entropy)
from .lovasz_softmax_loss import LovaszSoftmaxLoss, lovasz_softmax
from .soft_target_kl_loss import SoftTargetKLLoss, soft_target_kl
from .softmax_focal_loss import SoftmaxFocalLoss, softmax_focal_loss

__all__ = [
    'SoftmaxCrossEntropyLoss', 'softmax_cross_entropy', 'SoftmaxFocalLoss',
    'softmax_focal_loss', 'SoftTargetKLLoss', 'soft_target_kl',
    'LovaszSoftmaxLoss', 'lovasz_softmax'
]
