from .fastscnn_classifier_head import FastSCNNClassifierHead

__all__ = ['FastSCNNClassifierHead']
