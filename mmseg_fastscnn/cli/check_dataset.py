"""Check a CamVid copy (SegNet layout) and list every bad file.

Logic of ``tools/analysis/check_dataset.py`` (usage in its docstring).
"""
import argparse
import os.path as osp

from ..datasets.camvid import CAMVID_VOID
from ..datasets.integrity import check_pairs, find_pairs


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
