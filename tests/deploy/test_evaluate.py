"""evaluate_labels: mIoU of any image -> labels function on a split."""
import numpy as np
import pytest
import torch


class _LabelMaps:
    """A dataset of generated (image, label) pairs with 255 holes."""

    metainfo = dict(classes=('a', 'b', 'c'))
    ignore_index = 255

    def __init__(self, n: int = 4):
        rng = np.random.default_rng(0)
        self.items = []
        for _ in range(n):
            gt = rng.integers(0, 3, (6, 8)).astype(np.uint8)
            gt[0, :3] = 255
            self.items.append(
                dict(img=rng.integers(0, 3, (6, 8, 3)).astype(np.uint8),
                     gt_seg_map=gt))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_evaluate_labels_matches_iou_metric_and_keeps_stdout_clean(capsys):
    """The same numbers as mmseg's IoUMetric on the same predictions, and
    nothing on stdout (export_onnx.py --eval > results.txt)."""
    from mmseg.evaluation.metrics import IoUMetric

    from mmseg_fastscnn.deploy.evaluate import evaluate_labels

    data = _LabelMaps()
    predict = lambda img: img[..., 0]  # noqa: E731  (noisy labels)
    got = evaluate_labels(predict, data)
    out = capsys.readouterr()
    assert out.out == '' and '4/4' in out.err

    metric = IoUMetric(iou_metrics=['mIoU', 'mDice'])
    metric.dataset_meta = data.metainfo
    for item in data.items:
        metric.process({}, [
            dict(pred_sem_seg=dict(data=torch.from_numpy(
                item['img'][..., 0].astype(np.int64))[None]),
                 gt_sem_seg=dict(data=torch.from_numpy(
                     item['gt_seg_map'].astype(np.int64))[None]))
        ])
    want = metric.compute_metrics(metric.results)
    assert set(got) == {'aAcc', 'mIoU', 'mAcc', 'mDice'} == set(want)
    for key in want:
        assert got[key] == pytest.approx(float(want[key]))
    assert 0 < got['mIoU'] < 100
