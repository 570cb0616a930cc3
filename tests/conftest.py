"""Shared fixtures: the real CamVid copy and small generated data."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

import mmseg_fastscnn  # noqa: F401  (registration)

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CAMVID = os.environ.get('CAMVID_ROOT',
                        osp.join(ROOT, '..', 'shared', 'data', 'camvid'))

torch.set_num_threads(min(2, torch.get_num_threads()))


@pytest.fixture(scope='session')
def camvid_root() -> str:
    if not osp.isdir(osp.join(CAMVID, 'train')):
        message = f'CamVid not found at {CAMVID} (set CAMVID_ROOT)'
        if os.environ.get('CI'):
            pytest.fail(message)  # CI always has ../shared beside the clone
        pytest.skip(message)
    return CAMVID


@pytest.fixture(autouse=True)
def _seed():
    """Every test starts from the same random state."""
    torch.manual_seed(0)
    np.random.seed(0)


@pytest.fixture(scope='session', autouse=True)
def _mmseg_scope():
    """mmseg's registries by default, before any fixture builds a model."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')


def write_png(path: str, array: np.ndarray) -> str:
    os.makedirs(osp.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def make_split(root: str, split: str, n: int, h: int = 24, w: int = 32,
               seed: int = 0) -> list:
    """Write ``n`` random image/label pairs in the SegNet layout."""
    rng = np.random.default_rng(seed)
    names = []
    for i in range(n):
        name = f'img_{i:03d}'
        write_png(osp.join(root, split, name + '.png'),
                  rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
        write_png(osp.join(root, split + 'annot', name + '.png'),
                  rng.integers(0, 12, (h, w), dtype=np.uint8))
        names.append(name)
    return names


def link_camvid_subset(root, camvid_root: str, counts: dict) -> str:
    """Link the first ``counts[split]`` images (and labels) of each split of
    the real CamVid into ``root``; nothing is copied."""
    for split, n in counts.items():
        names = sorted(os.listdir(osp.join(camvid_root, split)))[:n]
        for folder in (split, split + 'annot'):
            os.makedirs(osp.join(root, folder))
            for name in names:
                os.symlink(
                    osp.join(camvid_root, folder, name),
                    osp.join(root, folder, name))
    return str(root)
