"""SegReportMetric: per-class numbers and the confusion matrix, by hand."""
import json

import numpy as np
import pytest
import torch
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


def test_class_scalars_are_the_headline_frames_iou(tmp_path):
    """``IoU.<class>`` comes from the headline sequence's frames alone; a
    class in none of them (nor predicted there) is left out."""
    metric = METRICS.build(
        dict(type='SegReportMetric', headline_sequences='0006R0',
             per_sequence=True, class_scalars=True))
    metric.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    gt, pred = hand_checked_case()
    held_out = dict(img_path='x/0006R0_f01.png', pred_sem_seg=dict(
        data=pred[None]), gt_sem_seg=dict(data=gt[None]))
    # another sequence, all 'right' predicted as 'wrong': must not count
    other = dict(img_path='x/0016E5_f01.png',
                 pred_sem_seg=dict(data=torch.ones(1, 4, 4, dtype=torch.long)),
                 gt_sem_seg=dict(data=torch.zeros(1, 4, 4, dtype=torch.long)))
    metric.process({}, [held_out, other])
    metrics = metric.compute_metrics(metric.results)
    assert metrics['IoU.right'] == pytest.approx(66.67)
    assert metrics['IoU.wrong'] == 0.0
    assert metrics['IoU.half'] == 25.0
    assert metrics['0016E5_mIoU'] == 0.0

    only_right = METRICS.build(dict(type='SegReportMetric',
                                    class_scalars=True))
    only_right.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    zeros = torch.zeros(1, 4, 4, dtype=torch.long)
    only_right.process({}, [dict(pred_sem_seg=dict(data=zeros),
                                 gt_sem_seg=dict(data=zeros))])
    scores = only_right.compute_metrics(only_right.results)
    assert [k for k in scores if k.startswith('IoU.')] == ['IoU.right']
    assert scores['IoU.right'] == 100.0
