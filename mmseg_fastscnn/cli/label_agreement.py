"""Share of pixels on which two folders of label maps agree.

Logic of ``tools/analysis/label_agreement.py`` (usage in its docstring).
"""
import argparse
import os
import os.path as osp
from typing import Dict, List

import mmcv
import numpy as np

from ..fileio import write_json


def read_labels(path: str) -> np.ndarray:
    labels = mmcv.imread(path, flag='unchanged')
    if labels is None or labels.ndim != 2:
        raise ValueError(f'{path} is not a single-channel label map')
    return labels


def agreement(dir_a: str, dir_b: str) -> Dict[str, object]:
    """Pixels equal in the same-named PNGs of ``dir_a`` and ``dir_b``."""
    names = {}
    for folder in (dir_a, dir_b):
        if not osp.isdir(folder):
            raise FileNotFoundError(f'label folder not found: {folder}')
        names[folder] = sorted(n for n in os.listdir(folder)
                               if n.endswith('.png'))
    if names[dir_a] != names[dir_b]:
        only = sorted(set(names[dir_a]) ^ set(names[dir_b]))
        raise ValueError(f'{dir_a} and {dir_b} hold different label maps, '
                         f'e.g. {", ".join(only[:3])}')
    if not names[dir_a]:
        raise ValueError(f'no label maps (*.png) in {dir_a}')
    equal = total = 0
    worst = (1.0, '')
    for name in names[dir_a]:
        a = read_labels(osp.join(dir_a, name))
        b = read_labels(osp.join(dir_b, name))
        if a.shape != b.shape:
            raise ValueError(f'{name}: {a.shape} in {dir_a}, {b.shape} in '
                             f'{dir_b}')
        same = int((a == b).sum())
        equal += same
        total += a.size
        worst = min(worst, (same / a.size, name))
    return dict(a=dir_a, b=dir_b, images=len(names[dir_a]), pixels=total,
                agreement=equal / total, worst_image=worst[1],
                worst_image_agreement=worst[0])


def main(argv: List[str] = None) -> Dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('a', help='folder of label PNGs (e.g. infer labels/)')
    parser.add_argument('b', help='folder with the same file names')
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args(argv)
    report = agreement(args.a, args.b)
    worst = report['worst_image_agreement'] * 100
    print(f'{report["images"]} images, {report["pixels"]} pixels: labels '
          f'agree on {report["agreement"] * 100:.4f}%; least: '
          f'{report["worst_image"]} {worst:.3f}%')
    if args.json:
        write_json(args.json, report)
    return report
