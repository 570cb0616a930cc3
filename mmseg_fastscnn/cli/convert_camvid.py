"""Convert the original CamVid release to the SegNet layout used here.

Logic of ``tools/dataset_converters/camvid.py`` (usage in its docstring).
"""
import argparse
import os
import os.path as osp
from functools import partial

import mmengine
import numpy as np
from PIL import Image

from ..datasets.camvid_colors import colors_to_labels
from ..utils import parse_size


def read_split(path: str):
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file not found: {path}')
    stems = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                first = line.split()[0]
                stems.append(osp.splitext(osp.basename(first))[0])
    if not stems:
        raise ValueError(f'split file is empty: {path}')
    return stems


def find_label(labels_dir: str, stem: str) -> str:
    for name in (stem + '_L.png', stem + '.png'):
        path = osp.join(labels_dir, name)
        if osp.isfile(path):
            return path
    raise FileNotFoundError(
        f'no label for {stem} in {labels_dir} (expected {stem}_L.png)')


def convert_one(job, images_dir, labels_dir, out_root, size):
    split, stem = job
    img_path = osp.join(images_dir, stem + '.png')
    if not osp.isfile(img_path):
        raise FileNotFoundError(f'image not found: {img_path}')
    label_path = find_label(labels_dir, stem)
    image = Image.open(img_path).convert('RGB')
    colour = Image.open(label_path).convert('RGB')
    if image.size != colour.size:
        raise ValueError(f'{label_path}: size {colour.size} differs from '
                         f'{img_path} {image.size}')
    labels, unknown = colors_to_labels(np.asarray(colour))
    label_img = Image.fromarray(labels)
    if size is not None and image.size != size:
        image = image.resize(size, Image.BILINEAR)
        label_img = label_img.resize(size, Image.NEAREST)
    image.save(osp.join(out_root, split, stem + '.png'))
    label_img.save(osp.join(out_root, split + 'annot', stem + '.png'))
    return label_path, unknown


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--images', required=True, help='RGB frames folder')
    parser.add_argument(
        '--labels', required=True, help='colour-coded labels folder')
    parser.add_argument(
        '--split',
        action='append',
        required=True,
        metavar='NAME=LIST',
        help='a split and its list file, e.g. train=train.txt')
    parser.add_argument('--out', required=True, help='output root')
    parser.add_argument(
        '--size', default='360x480',
        help="HxW of the output, or 'keep' (default 360x480)")
    parser.add_argument('--nproc', type=int, default=2, help='processes')
    args = parser.parse_args(argv)
    size = None  # PIL's (w, h)
    if args.size != 'keep':
        try:
            h, w = parse_size(args.size)
        except argparse.ArgumentTypeError:
            raise ValueError(f"--size must be HxW (e.g. 360x480) or 'keep', "
                             f'got {args.size!r}') from None
        size = (w, h)
    for folder in (args.images, args.labels):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'folder not found: {folder}')
    jobs = []
    for item in args.split:
        if '=' not in item:
            raise ValueError(f'--split must be NAME=LIST, got {item!r}')
        name, list_file = item.split('=', 1)
        for folder in (name, name + 'annot'):
            os.makedirs(osp.join(args.out, folder), exist_ok=True)
        jobs += [(name, stem) for stem in read_split(list_file)]
    work = partial(
        convert_one,
        images_dir=args.images,
        labels_dir=args.labels,
        out_root=args.out,
        size=size)
    if args.nproc > 1:
        results = mmengine.track_parallel_progress(work, jobs, args.nproc)
    else:
        results = mmengine.track_progress(work, jobs)
    unknown = {}
    for label_path, colours in results:
        for colour, count in colours.items():
            total, files = unknown.get(colour, (0, []))
            unknown[colour] = (total + count, files + [label_path])
    print(f'\nconverted {len(jobs)} images into {args.out}')
    if unknown:
        print(f'{len(unknown)} colour(s) not in the CamVid table, set to '
              'void (11):')
        for colour, (count, files) in sorted(unknown.items()):
            shown = ', '.join(files[:3]) + (' ...' if len(files) > 3 else '')
            print(f'  RGB{colour}: {count} pixels in {len(files)} file(s): '
                  f'{shown}')
    return unknown
