"""What several test modules share: the repository's paths, small generated
data, and the runners that call the tools in a subprocess."""
import os
import os.path as osp
import re
import shutil
import subprocess
import sys

import numpy as np
import torch
from PIL import Image

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'fastscnn_camvid.py')
SHIPPED = osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth')
# test hooks (robustness_hooks.py) that configs written by write_config load
HELPERS = osp.join(ROOT, 'tests', 'helpers')


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


def link_val_as_test(root, camvid_root: str, n: int) -> str:
    """A SegNet-layout folder whose val and test splits are both the first
    ``n`` val frames (the test split is not in this workplace)."""
    link_camvid_subset(root, camvid_root, {'val': n})
    for split in ('', 'annot'):
        shutil.copytree(osp.join(root, 'val' + split),
                        osp.join(root, 'test' + split), symlinks=True)
    return str(root)


def randomise_batchnorm(model: torch.nn.Module) -> torch.nn.Module:
    """Non-trivial BN statistics and affine weights (a new model's are all
    0 and 1, the same for every seed)."""
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.5, 0.5)
            module.running_var.uniform_(0.5, 2.0)
            module.weight.data.uniform_(0.5, 1.5)
            module.bias.data.uniform_(-0.5, 0.5)
    return model


CLASSES = ('right', 'wrong', 'half')
PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def hand_checked_case():
    """Class 0 all right, class 1 all wrong (-> 2), class 2 half right."""
    gt = torch.tensor([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2],
                       [255, 255, 255, 255]])
    pred = torch.tensor([[0, 0, 0, 0], [2, 2, 2, 2], [2, 2, 0, 0],
                         [1, 1, 1, 1]])
    return gt, pred


# tools/train.py and tools/test.py in a subprocess --------------------------

# CPU threads per test process: two alone, one per pytest-xdist worker
THREADS = max(1, min(2, (os.cpu_count() or 1) //
                     int(os.environ.get('PYTEST_XDIST_WORKER_COUNT', '1'))))
# train on 180x240 crops (the main config's RandomCrop is pipeline step 3)
SMALL_CROP = [
    'train_dataloader.dataset.pipeline.3.crop_size=(180,240)',
    'model.data_preprocessor.size=(180,240)'
]
# no dataloader workers, a log line every iteration, small crops
FAST = [
    'train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
    'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
    'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
    'default_hooks.logger.interval=1', *SMALL_CROP
]
SMALL = ['train_dataloader.batch_size=4', *FAST]
# the configs test on CamVid's test split; these tests evaluate val frames
TEST_ON_VAL = [
    'test_dataloader.dataset.data_prefix.img_path=val',
    'test_dataloader.dataset.data_prefix.seg_map_path=valannot'
]


def run_folder(work_dir) -> str:
    """The one timestamped run folder (mmengine's log folder) of a work
    dir, where tools/test.py writes its reports."""
    folders = [d for d in os.listdir(work_dir)
               if re.fullmatch(r'\d{8}_\d{6}', d)]
    assert len(folders) == 1, folders
    return osp.join(str(work_dir), folders[0])


def run_tool(*args, check=True, program=sys.executable, **extra_env):
    """``program args...`` in the project root; ``extra_env`` adds
    environment variables."""
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS=str(THREADS),
               **extra_env)
    proc = subprocess.run([program, *args],
                          cwd=ROOT,
                          env=env,
                          capture_output=True,
                          text=True,
                          timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}')
    return proc


def run_two_stages(work_root, *args, check=True):
    """tools/train_camvid.sh (stage 1, then the Lovasz fine-tune)."""
    return run_tool('tools/train_camvid.sh', *args, check=check,
                    program='bash', PYTHON=sys.executable,
                    WORK_DIR=str(work_root))


# with the test hooks of tests/helpers importable ---------------------------


def env():
    return dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([ROOT, HELPERS]),
        OMP_NUM_THREADS='1')


def run(*args, check=True, timeout=600):
    """``python args...`` in the project root, the test hooks importable."""
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{args} failed:\n{proc.stdout[-3000:]}\n'
                             f'{proc.stderr[-3000:]}')
    return proc


def write_config(path, hooks: str, extra: str = '') -> str:
    """A config inheriting the main one, with test hooks loaded."""
    path.write_text(
        f"_base_ = [{CONFIG!r}]\n"
        "custom_imports = dict(imports=['mmseg_fastscnn', "
        "'robustness_hooks'], allow_failed_imports=False)\n"
        f"custom_hooks = [dict(type='ValLossHook'), {hooks}]\n{extra}")
    return str(path)
