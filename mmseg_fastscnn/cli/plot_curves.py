"""Draw a run's curves (loss, mIoU + Dice, pixel accuracy vs epoch) as PNGs.

Logic of ``tools/analysis/plot_curves.py`` (usage in its docstring).
"""
import argparse
import os

from ..analysis.curves import find_scalar_files, plot_curves, read_epochs
from ..fileio import write_json


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('run', help='work dir (or a vis_data/scalars.json)')
    parser.add_argument('--out-dir', required=True, help='where PNGs go')
    parser.add_argument('--title', default='', help='figure title')
    parser.add_argument(
        '--json', help='where the per-epoch numbers go (default: '
        '<out-dir>/curves.json)')
    args = parser.parse_args(argv)
    train, val = read_epochs(find_scalar_files(args.run))
    if not val and not train:
        raise ValueError(f'{args.run}: the logs hold no epochs yet')
    os.makedirs(args.out_dir, exist_ok=True)
    for path in plot_curves(train, val, args.out_dir, args.title):
        print(f'wrote {path}')
    json_path = args.json or os.path.join(args.out_dir, 'curves.json')
    if json_path:
        write_json(
            json_path,
            dict(train={str(k): v for k, v in sorted(train.items())},
                 val={str(k): v for k, v in sorted(val.items())}),
            indent=1)
        print(f'wrote {json_path}')
    if val:
        best = max(val, key=lambda e: val[e]['mIoU'])
        print(f'best val mIoU {val[best]["mIoU"]:.2f} at epoch {best} '
              f'of {max(val)}')
