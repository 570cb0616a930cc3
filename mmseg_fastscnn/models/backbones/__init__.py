from .fast_scnn_paper import FastSCNNPaper

__all__ = ['FastSCNNPaper']
