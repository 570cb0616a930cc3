"""Cross-sequence table of fold runs: per fold and the mean.

    python tools/analysis/cross_sequence_summary.py \
        work_dirs/fastscnn_camvid_fold-0006R0 \
        work_dirs/fastscnn_camvid_fold-0001TP [--epoch N] [--json out.json]

Per fold: the epoch the held-out sequence's mIoU selects (or ``--epoch``),
its held-out mIoU, the in-sequence val mIoU (``0016E5_mIoU``) at that
epoch, the mean held-out mIoU of the last 10 validated epochs and the median
training seconds per iteration; ``--json`` adds the held-out IoU per class at
that epoch (``IoU.<class>``, logged by the configs' SegReportMetric).
"""
import argparse
import os.path as osp

from mmseg_fastscnn.analysis import summarise_folds
from mmseg_fastscnn.fileio import write_json
from mmseg_fastscnn.utils import run_cli


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('runs', nargs='+', help='work dirs, one per fold')
    parser.add_argument('--epoch', type=int, default=None,
                        help='report this epoch instead of the best')
    parser.add_argument('--json', help='also write the table as JSON')
    args = parser.parse_args(argv)
    summary = summarise_folds(args.runs, args.epoch)
    print(f'{"run":<44} {"epoch":>9} {"mIoU":>6} {"last10":>6} '
          f'{"in-seq":>6} {"s/iter":>6}')

    def num(value):
        return '     -' if value is None else f'{value:6.2f}'

    for fold in summary['folds']:
        print(f'{osp.basename(osp.normpath(fold["run"])):<44} '
              f'{fold["epoch"]:>4}/{fold["epochs_validated"]:<4} '
              f'{num(fold["mIoU"])} {num(fold["last10_mIoU"])} '
              f'{num(fold["in_sequence_mIoU"])} '
              f'{num(fold["train_s_per_iter"])}')
    mean = summary['mean']
    print(f'{"mean":<54} {num(mean["mIoU"])} {num(mean["last10_mIoU"])} '
          f'{num(mean["in_sequence_mIoU"])}')
    if args.json:
        write_json(args.json, summary)
    return summary


if __name__ == '__main__':
    run_cli(main)
