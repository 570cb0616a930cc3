"""Check a CamVid copy (SegNet layout) and list every bad file.

    python tools/analysis/check_dataset.py data/camvid [--splits train val test]

Reports, per split, images without label maps and the reverse, unreadable or
truncated files, non-RGB images, label maps that are not 8-bit
single-channel, size mismatches and label values outside 0..11. Exits 1 when
anything is wrong. The dataset runs the same checks when it loads.
"""
import argparse
import os.path as osp
import sys

from mmseg_fastscnn.datasets.camvid import CAMVID_VOID
from mmseg_fastscnn.datasets.integrity import check_pairs, find_pairs
from mmseg_fastscnn.utils import run_cli


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root')
    parser.add_argument(
        '--splits', nargs='+', default=['train', 'val', 'test'],
        help='image folders (labels in <split>annot); missing ones are '
        'skipped with a note')
    args = parser.parse_args(argv)
    if not osp.isdir(args.data_root):
        raise FileNotFoundError(f'data root not found: {args.data_root}')
    total = 0
    for split in args.splits:
        img_dir = osp.join(args.data_root, split)
        seg_dir = osp.join(args.data_root, split + 'annot')
        if not osp.isdir(img_dir) and not osp.isdir(seg_dir):
            print(f'{split}: not present, skipped')
            continue
        pairs, problems = find_pairs(img_dir, seg_dir, '.png', '.png')
        problems += check_pairs(pairs, max_label=CAMVID_VOID)
        total += len(problems)
        print(f'{split}: {len(pairs)} pairs, {len(problems)} problem(s)')
        for problem in problems:
            print(f'  - {problem}')
    print('OK' if total == 0 else f'{total} problem(s) found')
    return 0 if total == 0 else 1


if __name__ == '__main__':
    def _main():
        sys.exit(main())

    run_cli(_main)
