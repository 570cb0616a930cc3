"""Lever 10's config gives the peers' optimiser and schedule (DABNet's
CamVid training: Adam, WarmupPolyLR) through mmengine's own parts."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import PARAM_SCHEDULERS

from mmseg_fastscnn.utils import apply_cfg_options
from tests.utils import ROOT

CONFIG = osp.join(ROOT, 'configs', 'ablations',
                  'fastscnn_peer-optim_1xb8-150e_camvid-360x480.py')


def _peer_lr(step: int, total: int, base_lr: float = 1e-3,
             warmup_steps: int = 500, warmup_factor: float = 1 / 3,
             power: float = 0.9) -> float:
    """DABNet's WarmupPolyLR, written out: linear warm-up times poly.
    mmengine's schedulers reach a phase's end value on its last step (n - 1
    of n), DABNet's one step later; the curves differ by that one step."""
    factor = 1.0
    if step < warmup_steps - 1:
        alpha = step / (warmup_steps - 1)
        factor = warmup_factor * (1 - alpha) + alpha
    return base_lr * factor * (1 - step / (total - 1))**power


def _lrs(cfg: Config, epoch_length: int) -> tuple:
    """The learning rate of each step of cfg's run, and its optimiser, built
    as mmengine's Runner builds them (a scheduler without ``end`` ends at
    max_epochs)."""
    model = torch.nn.Conv2d(3, 4, 1)
    wrapper = build_optim_wrapper(
        model, dict(cfg.optim_wrapper, type='OptimWrapper'))
    max_epochs = cfg.train_cfg.max_epochs
    schedulers = [
        PARAM_SCHEDULERS.build(
            dict(s, end=s.get('end', max_epochs if s.get('by_epoch', True)
                              else max_epochs * epoch_length)),
            default_args=dict(optimizer=wrapper, epoch_length=epoch_length))
        for s in cfg.param_scheduler
    ]
    lrs = []
    for _ in range(max_epochs * epoch_length):
        lrs.append(wrapper.param_groups[0]['lr'])
        for scheduler in schedulers:
            scheduler.step()
    return lrs, wrapper.optimizer


# the schedulers step without a training step between: only the lr matters
@pytest.mark.filterwarnings('ignore:Detected call of')
@pytest.mark.parametrize('max_epochs', [40, 150])
def test_schedule_is_warmup_poly(max_epochs):
    cfg = Config.fromfile(CONFIG)
    apply_cfg_options(cfg, {'train_cfg.max_epochs': max_epochs})
    epoch_length = 34  # fold 0006R0: 266 frames, batch 8
    lrs, optimizer = _lrs(cfg, epoch_length)
    total = max_epochs * epoch_length
    assert type(optimizer) is torch.optim.Adam
    assert optimizer.defaults['weight_decay'] == 2e-4
    assert not optimizer.defaults.get('decoupled_weight_decay', False)
    expected = [_peer_lr(step, total) for step in range(total)]
    assert lrs == pytest.approx(expected, rel=1e-6, abs=1e-12)
    # the warm-up is 500 steps whatever the run's length; clipping is kept
    assert lrs[0] == pytest.approx(1e-3 / 3)
    assert cfg.optim_wrapper.clip_grad == dict(max_norm=1.0, norm_type=2)
