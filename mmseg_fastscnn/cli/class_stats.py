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
    parser.add_argument('data_root', help='dataset root')
    parser.add_argument(
        '--split', default='train',
        help='split whose label maps to count: train reads trainannot/ '
        '(the SegNet layout, as check_dataset.py --splits names them); a '
        'folder ending in annot, or one without a <split>annot beside it '
        '(mmseg\'s layout: ann_dir/train), is read as it is')
    parser.add_argument('--out', help='JSON path (default: print only)')
    parser.add_argument(
        '--enet-c', type=float, default=1.02, help="ENet's constant c")
    parser.add_argument(
        '--classes', nargs='+', metavar='NAME',
        help='class names, label values 0..K-1 in this order (default: '
        'CamVid\'s 11)')
    parser.add_argument(
        '--ignore', nargs='+', type=int, metavar='VALUE',
        help='label values that are no class (default: 11 and 255 for '
        'CamVid, 255 with --classes)')
    parser.add_argument('--suffix', default='.png',
                        help='label map suffix (default .png)')
    args = parser.parse_args(argv)
    if args.classes is not None and len(set(args.classes)) != len(
            args.classes):
        raise ValueError(f'--classes has duplicates: {args.classes}')
    if args.ignore is None:
        args.ignore = [255] if args.classes else [11, 255]
    args.classes = tuple(args.classes or CAMVID_CLASSES)
    bad = [v for v in args.ignore if not len(args.classes) <= v <= 255]
    if bad:
        raise ValueError(f'--ignore values must be in {len(args.classes)}'
                         f'..255 (not a class), got {bad}')
    return args


def label_folder(data_root: str, split: str) -> str:
    """``<split>annot`` (SegNet layout) where it exists or ``split`` ends
    in annot, else ``split`` itself (e.g. mmseg's ``ann_dir/train``)."""
    if split.endswith('annot'):
        return split
    if osp.isdir(osp.join(data_root, split + 'annot')) or not osp.isdir(
            osp.join(data_root, split)):
        return split + 'annot'
    return split


def main(argv=None) -> dict:
    args = parse_args(argv)
    classes = args.classes
    labels = label_folder(args.data_root, args.split)
    folder = osp.join(args.data_root, labels)
    stems = list_stems(folder, args.suffix)
    if not stems:
        raise ValueError(f'empty split: no {args.suffix} label maps in '
                         f'{folder}')
    counts, present, ignored, n = count_pixels(
        (osp.join(folder, s + args.suffix) for s in stems), len(classes),
        tuple(args.ignore))
    total = counts.sum()
    stats = dict(
        split=labels,
        num_images=n,
        classes=list(classes),
        pixel_count=[int(c) for c in counts],
        frequency=[round(float(c) / total, 6) for c in counts],
        void_fraction=round(ignored / float(total + ignored), 6),
        enet_c=args.enet_c,
        weights=class_weights(counts, present, args.enet_c))
    width = max(len(c) for c in classes)
    print(f'{"class":<{width}}  share   inverse  median   enet')
    for i, name in enumerate(classes):
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
