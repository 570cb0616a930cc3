from .camvid import CAMVID_CLASSES, CAMVID_PALETTE, CamVidDataset
from .integrity import (DataIntegrityError, DataProblem, check_pair,
                        check_pairs, find_pairs)

__all__ = [
    'CamVidDataset', 'CAMVID_CLASSES', 'CAMVID_PALETTE', 'DataIntegrityError',
    'DataProblem', 'check_pair', 'check_pairs', 'find_pairs'
]
