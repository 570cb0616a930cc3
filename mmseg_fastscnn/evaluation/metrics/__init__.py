from .seg_report_metric import SegReportMetric

__all__ = ['SegReportMetric']
