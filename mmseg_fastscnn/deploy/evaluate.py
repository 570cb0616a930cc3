"""Evaluate any image -> labels function on a dataset split (mIoU etc.)."""
from typing import Callable, Dict

import numpy as np
import torch
from mmengine.utils import ProgressBar

from mmseg.evaluation.metrics import IoUMetric


def evaluate_labels(predict: Callable[[np.ndarray], np.ndarray],
                    dataset,
                    progress: bool = True) -> Dict[str, float]:
    """mmseg's IoUMetric over ``dataset`` for ``predict(bgr_image) ->
    (H, W) labels``; the dataset's pipeline must load image and labels
    without resizing (``LoadImageFromFile`` + ``LoadAnnotations``)."""
    metric = IoUMetric(iou_metrics=['mIoU', 'mDice'])
    metric.dataset_meta = dataset.metainfo
    bar = ProgressBar(len(dataset)) if progress else None
    for i in range(len(dataset)):
        item = dataset[i]
        labels = predict(item['img'])
        metric.process({}, [
            dict(
                pred_sem_seg=dict(data=torch.from_numpy(
                    np.asarray(labels, dtype=np.int64))[None]),
                gt_sem_seg=dict(data=torch.from_numpy(
                    item['gt_seg_map'].astype(np.int64))[None]))
        ])
        if bar:
            bar.update()
    return metric.compute_metrics(metric.results)
