"""mmseg's IoUMetric plus per-class JSON and a confusion matrix."""
import os
import os.path as osp
from collections import OrderedDict
from typing import Dict, Optional, Sequence

import numpy as np
import torch
from mmengine.logging import MMLogger, print_log

from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS
from ...datasets.camvid import sequence_of
from ...fileio import write_json


@METRICS.register_module()
class SegReportMetric(IoUMetric):
    """IoUMetric (aAcc, mIoU, mAcc, mDice and the per-class table in the log)
    that also accumulates the confusion matrix and, when ``report_dir`` is
    set, writes there:

    - ``per_class_metrics.json``: summary and per-class IoU, Dice, Acc (%).
    - ``confusion_matrix.json``: counts (rows: ground truth, columns:
      prediction) and the row-normalised matrix.
    - ``confusion_matrix.png``: the row-normalised matrix as a heat map.

    For cross-sequence validation, ``headline_sequences`` computes the
    unprefixed metrics (``mIoU``..., what checkpoint selection and early
    stopping read) on the frames of those CamVid sequences only, and
    ``per_sequence`` adds ``<sequence>_<metric>`` keys (``0016E5_mIoU``...)
    for every sequence evaluated; the sequence is the image file name's
    prefix. ``class_scalars`` also returns each class's IoU (%) on the
    headline frames as ``IoU.<class>``, so that every validation's
    per-class scores land in ``vis_data/scalars.json`` beside ``mIoU``.

    Why not IoUMetric alone: it keeps only per-class areas, not which class
    a pixel was confused with, and writes nothing to disk.

    Args:
        report_dir (str | None): Where to write the files; ``'{log_dir}'``
            (what ``tools/test.py`` sets): the folder of the running
            Runner's log file, mmengine's ``<work_dir>/<timestamp>``, so
            that no evaluation overwrites another's. Default: None
            (nothing written).
        iou_metrics (list[str]): As IoUMetric. Default: ['mIoU', 'mDice'].
        headline_sequences (Sequence[str] | None): Sequences the unprefixed
            metrics and the report files cover. Default: None (all frames).
        per_sequence (bool): Also report each sequence on its own.
            Default: False.
        class_scalars (bool): Also return ``IoU.<class>`` for the headline
            frames (classes absent from them and from the predictions are
            left out). Default: False.
        **kwargs: Passed to IoUMetric (ignore_index, output_dir, ...).
    """
    default_prefix = ''  # unprefixed keys (mIoU), as IoUMetric's

    def __init__(self,
                 report_dir: Optional[str] = None,
                 iou_metrics: Sequence[str] = ('mIoU', 'mDice'),
                 headline_sequences: Optional[Sequence[str]] = None,
                 per_sequence: bool = False,
                 class_scalars: bool = False,
                 **kwargs) -> None:
        super().__init__(iou_metrics=list(iou_metrics), **kwargs)
        self.report_dir = report_dir
        if isinstance(headline_sequences, str):
            headline_sequences = (headline_sequences, )
        if headline_sequences is not None and not headline_sequences:
            raise ValueError('headline_sequences must name at least one '
                             'sequence, or be None for all frames')
        self.headline_sequences = (None if headline_sequences is None else
                                   tuple(headline_sequences))
        self.per_sequence = per_sequence
        self.class_scalars = class_scalars

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
                self.confusion(pred, label, num_classes, self.ignore_index),
                sequence_of(sample.get('img_path', '')))

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
        with_extras = bool(results) and len(results[0]) >= 6
        by_sequence: Dict[str, list] = OrderedDict()
        for r in results:
            by_sequence.setdefault(r[5] if with_extras else '', []).append(r)
        headline = results
        if self.headline_sequences is not None and with_extras:
            absent = [s for s in self.headline_sequences
                      if s not in by_sequence]
            if absent:
                raise ValueError(
                    f'headline_sequences {absent} are not among the '
                    f'evaluated frames (sequences: {", ".join(by_sequence)})'
                    '; check the evaluator\'s headline_sequences')
            headline = [r for r in results if r[5] in self.headline_sequences]
        metrics = super().compute_metrics([r[:4] for r in headline])
        if self.per_sequence and with_extras:
            for sequence, rows in by_sequence.items():
                for key, value in self._summary(rows).items():
                    metrics[f'{sequence}_{key}'] = value
        if not with_extras:
            return metrics
        conf = sum(r[4] for r in headline).numpy()
        if self.report_dir is not None:
            self.write_report(conf, metrics, resolve_report_dir(
                self.report_dir))
        if self.class_scalars:
            iou = self.per_class_from_confusion(conf)['IoU']
            for name, value in zip(self.dataset_meta['classes'], iou):
                if not np.isnan(value):
                    metrics[f'IoU.{name}'] = round(100 * float(value), 2)
        return metrics

    def _summary(self, rows: list) -> Dict[str, float]:
        """aAcc and the mean metrics (%) of some frames, quietly (the
        per-class table is logged once, for the headline frames)."""
        conf = sum(r[4] for r in rows).numpy().astype(np.float64)
        per_class = self.per_class_from_confusion(conf)
        summary = {'aAcc': 100 * float(np.trace(conf) / max(conf.sum(), 1))}
        for key in ('IoU', 'Acc', 'Dice'):
            summary['m' + key] = 100 * float(np.nanmean(per_class[key]))
        return {k: round(v, 2) for k, v in summary.items()}

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
        write_json(osp.join(out_dir, 'per_class_metrics.json'), report)
        rows = conf.sum(1, keepdims=True)
        normalised = np.divide(
            conf, rows, out=np.zeros(conf.shape, np.float64), where=rows > 0)
        write_json(
            osp.join(out_dir, 'confusion_matrix.json'),
            dict(classes=classes,
                 rows='ground truth',
                 columns='prediction',
                 counts=conf.astype(np.int64).tolist(),
                 row_normalised=np.round(normalised, 6).tolist()),
            indent=1)
        plot_confusion(normalised, classes,
                       osp.join(out_dir, 'confusion_matrix.png'))
        print_log(f'per-class metrics and confusion matrix written to '
                  f'{out_dir}', logger='current')


def plot_confusion(normalised: np.ndarray, classes: Sequence[str],
                   path: str) -> None:
    """Row-normalised confusion matrix as an annotated heat map PNG."""
    # A Figure without pyplot draws with Agg and leaves the process's
    # matplotlib backend as the user set it.
    from matplotlib.figure import Figure
    k = len(classes)
    fig = Figure(figsize=(1.0 + 0.6 * k, 0.8 + 0.55 * k), dpi=100)
    ax = fig.subplots()
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


def resolve_report_dir(report_dir: str) -> str:
    """``report_dir`` with ``{log_dir}`` replaced by the folder of the
    current mmengine logger's log file."""
    if '{log_dir}' not in report_dir:
        return report_dir
    log_file = MMLogger.get_current_instance().log_file
    if not log_file:
        raise ValueError("report_dir '{log_dir}' needs a Runner's log file "
                         '(no logger with a log file is running)')
    return report_dir.replace('{log_dir}', osp.dirname(log_file))
