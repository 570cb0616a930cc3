"""Evaluate any image -> labels function on a dataset split (mIoU etc.)."""
import sys
from typing import Callable, Dict

import numpy as np
import torch
from mmengine.utils import ProgressBar

from mmseg.evaluation.metrics import IoUMetric


def evaluate_labels(predict: Callable[[np.ndarray], np.ndarray],
                    dataset,
                    progress: bool = True) -> Dict[str, float]:
    """aAcc, mIoU, mAcc and mDice over ``dataset`` for ``predict(bgr_image)
    -> (H, W) labels``, with mmseg's ``IoUMetric`` maths; the dataset's
    pipeline must load image and labels without resizing
    (``LoadImageFromFile`` + ``LoadAnnotations``).

    Only the progress bar is printed, to stderr, so that a tool's stdout
    holds its results alone (``IoUMetric.compute_metrics`` would log its
    per-class table there).
    """
    num_classes = len(dataset.metainfo['classes'])
    ignore_index = dataset.ignore_index
    totals = None
    bar = ProgressBar(len(dataset), file=sys.stderr) if progress else None
    for i in range(len(dataset)):
        item = dataset[i]
        labels = torch.from_numpy(
            np.asarray(predict(item['img']), dtype=np.int64))
        areas = IoUMetric.intersect_and_union(
            labels, torch.from_numpy(item['gt_seg_map'].astype(np.int64)),
            num_classes, ignore_index)
        totals = list(areas) if totals is None else [
            total + area for total, area in zip(totals, areas)
        ]
        if bar:
            bar.update()
    if bar:
        sys.stderr.write('\n')
    per_class = IoUMetric.total_area_to_metrics(
        *totals, metrics=['mIoU', 'mDice'])
    return {('' if key == 'aAcc' else 'm') + key:
            float(np.round(np.nanmean(value) * 100, 2))
            for key, value in per_class.items()}
