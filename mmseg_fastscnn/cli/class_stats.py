"""Pixel frequency per class over a split, and class weights as JSON.

Logic of ``tools/analysis/class_stats.py`` (usage in its docstring).
"""
import argparse
import os.path as osp

from ..analysis import class_weights, count_pixels
from ..datasets import CAMVID_CLASSES
from ..datasets.integrity import list_stems
from ..fileio import write_json


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='CamVid root (SegNet layout)')
    parser.add_argument(
        '--split', default='train',
        help='split whose label maps to count (train reads trainannot/, as '
        'check_dataset.py --splits names them); a folder ending in annot '
        'is read as it is')
    parser.add_argument('--out', help='JSON path (default: print only)')
    parser.add_argument(
        '--enet-c', type=float, default=1.02, help="ENet's constant c")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    labels = (args.split if args.split.endswith('annot') else
              args.split + 'annot')
    folder = osp.join(args.data_root, labels)
    stems = list_stems(folder, '.png')
    if not stems:
        raise ValueError(f'empty split: no .png label maps in {folder}')
    counts, present, ignored, n = count_pixels(
        (osp.join(folder, s + '.png') for s in stems), len(CAMVID_CLASSES))
    total = counts.sum()
    stats = dict(
        split=labels,
        num_images=n,
        classes=list(CAMVID_CLASSES),
        pixel_count=[int(c) for c in counts],
        frequency=[round(float(c) / total, 6) for c in counts],
        void_fraction=round(ignored / float(total + ignored), 6),
        enet_c=args.enet_c,
        weights=class_weights(counts, present, args.enet_c))
    width = max(len(c) for c in CAMVID_CLASSES)
    print(f'{"class":<{width}}  share   inverse  median   enet')
    for i, name in enumerate(CAMVID_CLASSES):
        w = stats['weights']
        print(f'{name:<{width}}  {100 * stats["frequency"][i]:5.2f}%  '
              f'{w["inverse"][i]:7.3f}  {w["median"][i]:6.3f}  '
              f'{w["enet"][i]:6.3f}')
    print(f'void: {100 * stats["void_fraction"]:.2f}% of all pixels, '
          f'{n} images')
    if args.out:
        write_json(args.out, stats)
        print(f'written to {args.out}')
    return stats
