from .export_wrapper import SegmentorExportWrapper
from .tta_distill_encoder_decoder import TTADistillEncoderDecoder

__all__ = ['SegmentorExportWrapper', 'TTADistillEncoderDecoder']
