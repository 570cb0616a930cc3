"""Shared fixtures: the real CamVid copy, the random state and mmseg's scope,
a checkpoint of an untrained model, and mmengine's log for caplog. Helpers
that tests import live in ``tests/utils.py``."""
import logging
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config

import mmseg_fastscnn  # noqa: F401  (registration)
from mmseg_fastscnn.datasets import CAMVID_CLASSES, CAMVID_PALETTE
from tests.utils import CONFIG, ROOT, THREADS

# where the configs read CamVid too: data/camvid, or $CAMVID_ROOT
CAMVID = os.environ.get('CAMVID_ROOT', osp.join(ROOT, 'data', 'camvid'))

torch.set_num_threads(THREADS)


@pytest.fixture(scope='session')
def camvid_root() -> str:
    if not osp.isdir(osp.join(CAMVID, 'train')):
        message = (f'CamVid not found at {CAMVID} (link it there, or set '
                   'CAMVID_ROOT; README, "Data")')
        if os.environ.get('CI'):
            pytest.fail(message)  # CI links its copy to data/camvid
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


@pytest.fixture
def caplog_mmengine(caplog):
    """``caplog`` that sees mmengine's log (it does not propagate to the
    root logger)."""
    from mmengine.logging import MMLogger
    logger = MMLogger.get_current_instance()
    logger.addHandler(caplog.handler)
    caplog.set_level(logging.INFO)
    yield caplog
    logger.removeHandler(caplog.handler)


@pytest.fixture(scope='session')
def random_checkpoint(tmp_path_factory):
    """A weights-only checkpoint of an untrained model with CamVid meta."""
    from mmseg.registry import MODELS
    model = MODELS.build(Config.fromfile(CONFIG).model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'random.pth')
    torch.save(
        dict(
            meta=dict(
                dataset_meta=dict(
                    classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)),
            state_dict=model.state_dict()), path)
    return path
