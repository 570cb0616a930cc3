"""SegReportMetric: per-class numbers and the confusion matrix, by hand."""
import json

import numpy as np
import pytest
from mmseg.registry import METRICS
from PIL import Image

from tests.utils import CLASSES, PALETTE, hand_checked_case


def test_report_metric_hand_checked(tmp_path):
    metric = METRICS.build(
        dict(type='SegReportMetric', report_dir=str(tmp_path)))
    metric.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    gt, pred = hand_checked_case()
    sample = dict(
        pred_sem_seg=dict(data=pred[None]), gt_sem_seg=dict(data=gt[None]))
    metric.process({}, [sample])
    summary = metric.compute_metrics(metric.results)
    assert summary['aAcc'] == pytest.approx(50.0)  # 6 of 12 labelled pixels
    report = json.loads((tmp_path / 'per_class_metrics.json').read_text())
    per_class = report['per_class']
    assert per_class['right'] == dict(IoU=pytest.approx(400 / 6), Dice=80.0,
                                      Acc=100.0)
    assert per_class['wrong'] == dict(IoU=0.0, Dice=0.0, Acc=0.0)
    assert per_class['half'] == dict(IoU=25.0, Dice=40.0, Acc=50.0)
    assert summary['mIoU'] == pytest.approx((400 / 6 + 0 + 25) / 3, abs=0.01)
    conf = json.loads((tmp_path / 'confusion_matrix.json').read_text())
    assert conf['counts'] == [[4, 0, 0], [0, 0, 4], [2, 0, 2]]
    assert conf['row_normalised'] == [[1, 0, 0], [0, 0, 1], [0.5, 0, 0.5]]
    heat = np.asarray(Image.open(tmp_path / 'confusion_matrix.png'))
    assert heat.ndim == 3 and heat.shape[0] > 100
