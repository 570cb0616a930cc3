"""Draw a run's curves (loss, mIoU + Dice, pixel accuracy vs epoch) as PNGs.

    python tools/analysis/plot_curves.py work_dirs/fastscnn_camvid \
        --out-dir results/fastscnn_camvid [--json PATH]

Writes loss.png, miou_dice.png, accuracy.png and the per-epoch numbers as
curves.json (or ``--json PATH``) into ``--out-dir``.

Why not mmseg's ``analyze_logs.py`` (installed under ``mmseg/.mim/tools/
analysis_tools/``): it draws the keys it is given into one figure and
makes neither the report's three figures nor the validation-loss curve.
"""
import argparse
import json
import os

from mmseg_fastscnn.analysis.curves import (find_scalar_files, plot_curves,
                                            read_epochs)
from mmseg_fastscnn.utils import run_cli


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
        with open(json_path, 'w') as f:
            json.dump(
                dict(
                    train={str(k): v for k, v in sorted(train.items())},
                    val={str(k): v for k, v in sorted(val.items())}),
                f,
                indent=1)
        print(f'wrote {json_path}')
    if val:
        best = max(val, key=lambda e: val[e]['mIoU'])
        print(f'best val mIoU {val[best]["mIoU"]:.2f} at epoch {best} '
              f'of {max(val)}')


if __name__ == '__main__':
    run_cli(main)
