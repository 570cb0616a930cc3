"""A PNG grid of dataset images next to their masks in the CamVid palette.

Logic of ``tools/analysis/browse_dataset.py`` (usage in its docstring).
"""
import argparse
import os.path as osp

import numpy as np
from PIL import Image

from ..datasets import CAMVID_CLASSES, CAMVID_PALETTE
from ..datasets.integrity import list_stems
from ..visualization import panel_grid, side_by_side


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('data_root', help='CamVid root (SegNet layout)')
    parser.add_argument('--split', default='train', help='image folder')
    parser.add_argument('--num', type=int, default=6, help='images to show')
    parser.add_argument('--seed', type=int, default=0, help='random seed')
    parser.add_argument('--out', required=True, help='output PNG')
    args = parser.parse_args(argv)
    if args.num < 1:
        raise ValueError(f'--num must be >= 1, got {args.num}')
    img_dir = osp.join(args.data_root, args.split)
    ann_dir = osp.join(args.data_root, args.split + 'annot')
    stems = sorted(set(list_stems(img_dir, '.png'))
                   & set(list_stems(ann_dir, '.png')))
    if not stems:
        raise ValueError(f'empty split: no image/label pairs in {img_dir} '
                         f'and {ann_dir}')
    rng = np.random.default_rng(args.seed)
    chosen = rng.choice(len(stems), min(args.num, len(stems)), replace=False)

    panels = []
    for index in sorted(chosen):
        stem = stems[index]
        image = np.asarray(
            Image.open(osp.join(img_dir, stem + '.png')).convert('RGB'))
        labels = np.asarray(Image.open(osp.join(ann_dir, stem + '.png')))
        panels.append(
            side_by_side(image, labels, None, CAMVID_CLASSES, CAMVID_PALETTE,
                         stem, legend=False))
    grid = panel_grid(panels, CAMVID_CLASSES, CAMVID_PALETTE)
    Image.fromarray(grid).save(args.out)
    print(f'wrote {args.out} ({len(panels)} images from {img_dir})')
