from .fastscnn_classifier_head import FastSCNNClassifierHead
from .loss_modules import decode_losses

__all__ = ['FastSCNNClassifierHead', 'decode_losses']
