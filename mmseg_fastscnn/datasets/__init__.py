from .camvid import (CAMVID_CLASSES, CAMVID_PALETTE, CamVidDataset,
                     missing_root_message, sequence_of)
from .class_paste import RandomClassPaste
from .cross_sequence import CamVidCrossSequenceDataset
from .decode_once import LoadAnnotationsOnce, LoadImageFromFileOnce
from .integrity import (DataIntegrityError, DataProblem, check_pair,
                        check_pairs, find_pairs)
from .samplers import NoSingletonBatchSampler, SequenceBalancedSampler
from .transforms import RandomCameraShift

__all__ = [
    'CamVidDataset', 'CamVidCrossSequenceDataset', 'CAMVID_CLASSES',
    'CAMVID_PALETTE', 'DataIntegrityError', 'DataProblem',
    'LoadAnnotationsOnce', 'LoadImageFromFileOnce',
    'NoSingletonBatchSampler', 'SequenceBalancedSampler', 'check_pair', 'missing_root_message', 'check_pairs', 'find_pairs',
    'sequence_of', 'RandomCameraShift', 'RandomClassPaste'
]
