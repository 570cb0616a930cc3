from .export_wrapper import SegmentorExportWrapper

__all__ = ['SegmentorExportWrapper']
