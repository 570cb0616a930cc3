from .export_wrapper import SegmentorExportWrapper
from .mean_prob_tta import MeanProbSegTTAModel
from .tta_distill_encoder_decoder import TTADistillEncoderDecoder

__all__ = [
    'MeanProbSegTTAModel', 'SegmentorExportWrapper', 'TTADistillEncoderDecoder'
]
