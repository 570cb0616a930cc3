from .metrics import SegReportMetric

__all__ = ['SegReportMetric']
