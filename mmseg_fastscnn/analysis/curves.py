"""Training curves from mmengine's ``vis_data/scalars.json`` logs."""
import glob
import json
import os
import os.path as osp
from collections import defaultdict
from typing import Dict, List, Tuple

EpochTable = Dict[int, Dict[str, float]]


def find_scalar_files(path: str) -> List[str]:
    """``scalars.json`` files of a run, oldest first (one per (re)start).

    ``path`` is a work dir, a timestamp dir, or a scalars.json file.
    """
    if osp.isfile(path):
        return [path]
    if not osp.isdir(path):
        raise FileNotFoundError(f'no run found at {path}')
    files = sorted(
        glob.glob(osp.join(path, 'vis_data', 'scalars.json')) +
        glob.glob(osp.join(path, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(
            f'no vis_data/scalars.json under {path}: is it a work dir?')
    return files


def read_epochs(files: List[str]) -> Tuple[EpochTable, EpochTable]:
    """Per-epoch train and val scalars.

    Train: the mean of the logged ``loss`` values of each epoch (each is a
    window mean over the logging interval), and of ``time`` (seconds per
    iteration) where logged. Val: the metrics and the validation loss
    (``val_loss``, or ``loss`` in logs written before it had its own key)
    logged after each validation (``step`` is the epoch). Later files win,
    so a resumed run's repeated epochs come from its latest start.
    """
    train: EpochTable = {}
    val: EpochTable = {}
    for path in files:
        losses = defaultdict(list)
        times = defaultdict(list)
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                record = json.loads(line)
                if 'mIoU' in record:
                    val[int(record['step'])] = {
                        'loss' if k == 'val_loss' else k: float(v)
                        for k, v in record.items() if k != 'step'
                    }
                elif 'epoch' in record and 'loss' in record:
                    losses[int(record['epoch'])].append(float(record['loss']))
                    if 'time' in record:
                        times[int(record['epoch'])].append(
                            float(record['time']))
        for epoch, values in losses.items():
            train[epoch] = dict(loss=sum(values) / len(values))
            if times[epoch]:
                train[epoch]['time'] = (sum(times[epoch]) /
                                        len(times[epoch]))
    return train, val


def plot_curves(train: EpochTable, val: EpochTable, out_dir: str,
                title: str = '') -> List[str]:
    """The report's three figures as PNGs; returns their paths. A figure
    with nothing to draw (mIoU and accuracy of a run without validation) is
    not written."""
    # Figures without pyplot: the process's matplotlib backend is untouched.
    from matplotlib.figure import Figure

    def series(table, key):
        epochs = sorted(e for e in table if key in table[e])
        return epochs, [table[e][key] for e in epochs]

    figures = [
        ('loss.png', 'loss', [(train, 'loss', 'train loss'),
                              (val, 'loss', 'val loss')]),
        ('miou_dice.png', 'score (%)', [(val, 'mIoU', 'val mIoU'),
                                        (val, 'mDice', 'val mDice')]),
        ('accuracy.png', 'pixel accuracy (%)', [(val, 'aAcc', 'val aAcc')]),
    ]
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name, ylabel, lines in figures:
        drawn = [(series(table, key), label) for table, key, label in lines]
        drawn = [(xy, label) for xy, label in drawn if xy[0]]
        if not drawn:
            continue
        fig = Figure(figsize=(6, 4), dpi=100)
        ax = fig.subplots()
        for (x, y), label in drawn:
            ax.plot(x, y, label=label)
        ax.set_xlabel('epoch')
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend()
        if title:
            ax.set_title(title)
        fig.tight_layout()
        path = osp.join(out_dir, name)
        fig.savefig(path)
        paths.append(path)
    return paths
