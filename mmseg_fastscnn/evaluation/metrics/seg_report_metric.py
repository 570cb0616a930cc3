"""mmseg's IoUMetric plus per-class JSON and a confusion matrix."""
import json
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import print_log

from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class SegReportMetric(IoUMetric):
    """IoUMetric (aAcc, mIoU, mAcc, mDice and the per-class table in the log)
    that also accumulates the confusion matrix and, when ``report_dir`` is
    set, writes there:

    - ``per_class_metrics.json``: summary and per-class IoU, Dice, Acc (%).
    - ``confusion_matrix.json``: counts (rows: ground truth, columns:
      prediction) and the row-normalised matrix.
    - ``confusion_matrix.png``: the row-normalised matrix as a heat map.

    Why not IoUMetric alone: it keeps only per-class areas, not which class
    a pixel was confused with, and writes nothing to disk.

    Args:
        report_dir (str | None): Where to write the files. ``tools/test.py``
            sets it to the work dir. Default: None (nothing written).
        iou_metrics (list[str]): As IoUMetric. Default: ['mIoU', 'mDice'].
        **kwargs: Passed to IoUMetric (ignore_index, output_dir, ...).
    """

    def __init__(self,
                 report_dir: Optional[str] = None,
                 iou_metrics: Sequence[str] = ('mIoU', 'mDice'),
                 **kwargs) -> None:
        super().__init__(iou_metrics=list(iou_metrics), **kwargs)
        self.report_dir = report_dir

    @staticmethod
    def confusion(pred: torch.Tensor, label: torch.Tensor, num_classes: int,
                  ignore_index: int) -> torch.Tensor:
        """(H, W) prediction and ground truth -> (K, K) int64 counts,
        rows ground truth, columns prediction; ignored pixels left out."""
        valid = label != ignore_index
        index = label[valid].long() * num_classes + pred[valid].long()
        return torch.bincount(
            index, minlength=num_classes**2).reshape(num_classes,
                                                     num_classes).cpu()

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        start = len(self.results)
        super().process(data_batch, data_samples)
        if self.format_only:
            return
        num_classes = len(self.dataset_meta['classes'])
        for offset, sample in enumerate(data_samples):
            pred = sample['pred_sem_seg']['data'].squeeze()
            label = sample['gt_sem_seg']['data'].squeeze().to(pred)
            self.results[start + offset] = (
                *self.results[start + offset],
                self.confusion(pred, label, num_classes, self.ignore_index))

    @staticmethod
    def per_class_from_confusion(conf: np.ndarray) -> Dict[str, np.ndarray]:
        """IoU, Dice and Acc per class (fractions; nan where undefined), by
        IoUMetric's own maths on the areas the (K, K) matrix holds."""
        conf = torch.from_numpy(conf.astype(np.float64))
        tp, gt, pred = conf.diag(), conf.sum(1), conf.sum(0)
        metrics = IoUMetric.total_area_to_metrics(tp, gt + pred - tp, pred,
                                                  gt, ['mIoU', 'mDice'])
        return {key: np.asarray(metrics[key], np.float64)
                for key in ('IoU', 'Dice', 'Acc')}

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics([r[:4] for r in results])
        if self.report_dir is None or not results or len(results[0]) < 5:
            return metrics
        conf = sum(r[4] for r in results).numpy()
        self.write_report(conf, metrics, self.report_dir)
        return metrics

    def write_report(self, conf: np.ndarray, metrics: Dict[str, float],
                     out_dir: str) -> None:
        """Write the JSON files and the heat map (see the class docstring)."""
        os.makedirs(out_dir, exist_ok=True)
        classes = list(self.dataset_meta['classes'])
        per_class = self.per_class_from_confusion(conf)

        def pct(v: float) -> Optional[float]:
            return None if np.isnan(v) else round(float(v) * 100, 4)

        report = OrderedDict(
            summary={k: float(v) for k, v in metrics.items()},
            classes=classes,
            per_class={
                name: {
                    key: pct(values[i])
                    for key, values in per_class.items()
                }
                for i, name in enumerate(classes)
            },
            pixels_per_class={
                name: int(conf[i].sum())
                for i, name in enumerate(classes)
            })
        with open(osp.join(out_dir, 'per_class_metrics.json'), 'w') as f:
            json.dump(report, f, indent=2)
        rows = conf.sum(1, keepdims=True)
        normalised = np.divide(
            conf, rows, out=np.zeros(conf.shape, np.float64), where=rows > 0)
        with open(osp.join(out_dir, 'confusion_matrix.json'), 'w') as f:
            json.dump(
                dict(
                    classes=classes,
                    rows='ground truth',
                    columns='prediction',
                    counts=conf.astype(np.int64).tolist(),
                    row_normalised=np.round(normalised, 6).tolist()),
                f,
                indent=1)
        plot_confusion(normalised, classes,
                       osp.join(out_dir, 'confusion_matrix.png'))
        print_log(f'per-class metrics and confusion matrix written to '
                  f'{out_dir}', logger='current')


def plot_confusion(normalised: np.ndarray, classes: Sequence[str],
                   path: str) -> None:
    """Row-normalised confusion matrix as an annotated heat map PNG."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    k = len(classes)
    fig, ax = plt.subplots(figsize=(1.0 + 0.6 * k, 0.8 + 0.55 * k), dpi=100)
    image = ax.imshow(normalised, cmap='Blues', vmin=0, vmax=1)
    ax.set_xticks(range(k), classes, rotation=45, ha='right', fontsize=8)
    ax.set_yticks(range(k), classes, fontsize=8)
    ax.set_xlabel('prediction')
    ax.set_ylabel('ground truth')
    for i in range(k):
        for j in range(k):
            value = normalised[i, j]
            if value >= 0.005:
                ax.text(
                    j,
                    i,
                    f'{value:.2f}',
                    ha='center',
                    va='center',
                    fontsize=6,
                    color='white' if value > 0.5 else 'black')
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    ax.set_title('confusion matrix (rows sum to 1)')
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
