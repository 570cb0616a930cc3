"""Cross-sequence results: each fold's run, its selected epoch and the mean."""
import statistics
from typing import Dict, List, Optional, Sequence

from .curves import find_scalar_files, read_epochs

IN_SEQUENCE = '0016E5'  # the val split's sequence


def fold_result(run: str, in_sequence: str = IN_SEQUENCE,
                epoch: Optional[int] = None) -> Dict[str, object]:
    """One fold's run (a work dir): the epoch its held-out ``mIoU`` selects
    (or ``epoch``, fixed beforehand), with that epoch's held-out and
    in-sequence scores, the mean held-out mIoU of its last 10 epochs (less
    sensitive to one lucky validation), the median training seconds per
    iteration over its epochs and, where the run logged them
    (``SegReportMetric(class_scalars=True)``), the held-out IoU per class at
    that epoch."""
    train, val = read_epochs(find_scalar_files(run))
    if not val:
        raise ValueError(f'{run}: no validation logged yet')
    if epoch is None:
        chosen = max(val, key=lambda e: val[e]['mIoU'])
    elif epoch not in val:
        raise ValueError(f'{run}: epoch {epoch} was not validated (last '
                         f'{max(val)})')
    else:
        chosen = epoch
    last = sorted(val)[-10:]
    row = val[chosen]
    times = [t['time'] for t in train.values() if 'time' in t]
    return dict(
        run=run,
        epoch=chosen,
        epochs_validated=max(val),
        mIoU=row['mIoU'],
        mDice=row.get('mDice'),
        aAcc=row.get('aAcc'),
        in_sequence_mIoU=row.get(f'{in_sequence}_mIoU'),
        last10_mIoU=round(sum(val[e]['mIoU'] for e in last) / len(last), 2),
        train_s_per_iter=round(statistics.median(times), 3) if times else None,
        per_class_IoU={k[len('IoU.'):]: v
                       for k, v in row.items() if k.startswith('IoU.')})


def summarise_folds(runs: Sequence[str],
                    epoch: Optional[int] = None) -> Dict[str, object]:
    """Every fold's :func:`fold_result` and their means."""
    folds: List[Dict[str, object]] = [fold_result(r, epoch=epoch)
                                      for r in runs]

    def mean(key: str) -> Optional[float]:
        values = [f[key] for f in folds if f[key] is not None]
        return round(sum(values) / len(values), 2) if values else None

    return dict(
        folds=folds,
        mean=dict(mIoU=mean('mIoU'), in_sequence_mIoU=mean('in_sequence_mIoU'),
                  last10_mIoU=mean('last10_mIoU')))
