"""A run resumed with a changed schedule follows the new one: schedulers
on a small optimizer, and a real 2-epoch run resumed to 3 epochs."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.optim import CosineAnnealingLR, LinearLR, OneCycleLR

from mmseg_fastscnn.engine.resumed_schedule import (restart,
                                                    schedule_changes,
                                                    snapshot)
from tests.utils import FAST, link_camvid_subset, run_tool


def one_cycle(epochs: int, epoch_length: int = 3):
    model = torch.nn.Linear(2, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    return [
        LinearLR(optimizer, start_factor=0.1, by_epoch=False, end=2),
        OneCycleLR.build_iter_from_epoch(
            optimizer, eta_max=5e-4, begin=0, end=epochs,
            epoch_length=epoch_length, by_epoch=True),
        CosineAnnealingLR(optimizer, T_max=epochs, by_epoch=True),
    ]


def train(schedulers, iters: int, epoch_length: int = 3) -> list:
    """Step as ParamSchedulerHook does; the lr of each iteration."""
    lrs = []
    for step in range(iters):
        lrs.append(schedulers[0].optimizer.param_groups[0]['lr'])
        for s in schedulers:
            if not s.by_epoch:
                s.step()
        if (step + 1) % epoch_length == 0:
            for s in schedulers:
                if s.by_epoch:
                    s.step()
    return lrs


def states(schedulers) -> list:
    return [s.state_dict() for s in schedulers]


def test_only_the_schedule_not_its_progress_counts_as_a_change():
    short = one_cycle(2)
    train(short, 4)
    names = ['LinearLR', 'OneCycleLR', 'CosineAnnealingLR']
    assert schedule_changes(states(short), states(one_cycle(2)), names) == []
    changes = schedule_changes(states(short), states(one_cycle(3)), names)
    assert 'OneCycleLR total_steps 6 -> 9' in changes, changes
    assert 'CosineAnnealingLR T_max 2 -> 3' in changes, changes
    assert schedule_changes([], states(one_cycle(3)), names) == \
        ['0 scheduler(s) -> 3']


def test_restart_gives_the_unbroken_runs_learning_rates():
    """Resumed at iteration 6 of a 2-epoch run into a 3-epoch schedule:
    the remaining lrs equal an unbroken 3-epoch run's (chained iteration-
    and epoch-based schedulers)."""
    unbroken = train(one_cycle(3), 9)
    old = one_cycle(2)
    train(old, 6)
    new = one_cycle(3)
    fresh = snapshot(new)
    # what resuming does: the checkpoint's optimizer and scheduler states
    new[0].optimizer.load_state_dict(old[0].optimizer.state_dict())
    for scheduler, state in zip(new, old):
        scheduler.load_state_dict(state.state_dict())
    assert train(new, 1) != unbroken[6:7]  # the old schedule's floor
    new = one_cycle(3)
    fresh = snapshot(new)
    new[0].optimizer.load_state_dict(old[0].optimizer.state_dict())
    restart(new, fresh, iters=6, epochs=2, epoch_length=3)
    assert train(new, 3) == pytest.approx(unbroken[6:], rel=1e-12)


def lrs_by_epoch(work_dir: str) -> dict:
    """{epoch: [lr of each logged iteration]} over a work dir's runs."""
    out = {}
    for stamp in sorted(os.listdir(work_dir)):
        path = osp.join(work_dir, stamp, 'vis_data', 'scalars.json')
        if not osp.isfile(path):
            continue
        for line in open(path):
            row = json.loads(line)
            if 'lr' in row:
                out.setdefault(row['epoch'], []).append(row['lr'])
    return out


def test_resumed_with_more_epochs_trains_them_as_an_unbroken_run(
        tmp_path, camvid_root):
    """mmengine alone trains epoch 3 of a 2-epoch run resumed with
    ``max_epochs=3`` at OneCycle's floor lr; here at the unbroken 3-epoch
    run's lr, with a log line saying so."""
    data = link_camvid_subset(tmp_path / 'camvid', camvid_root,
                              {'train': 8, 'val': 1})
    opts = [*FAST, f'data_root={data}', 'train_dataloader.batch_size=4']
    unbroken = str(tmp_path / 'unbroken')
    run_tool('tools/train.py', 'configs/fastscnn_camvid.py', '--work-dir',
             unbroken, '--cfg-options', *opts, 'train_cfg.max_epochs=3')
    broken = str(tmp_path / 'broken')
    run_tool('tools/train.py', 'configs/fastscnn_camvid.py', '--work-dir',
             broken, '--cfg-options', *opts, 'train_cfg.max_epochs=2')
    proc = run_tool('tools/train.py', 'configs/fastscnn_camvid.py',
                    '--work-dir', broken, '--resume', '--cfg-options', *opts,
                    'train_cfg.max_epochs=3')
    log = proc.stdout + proc.stderr
    assert "learning rate follows this config's schedule" in log, log[-2000:]
    # the checkpoint written as training ended resumes without mmengine's
    # 'resumed key: loop_stage is not defined' warning
    assert 'resumed key' not in log
    expected, got = lrs_by_epoch(unbroken), lrs_by_epoch(broken)
    assert len(got[3]) == 2
    assert got[3] == pytest.approx(expected[3], rel=1e-9)
    # the 2-epoch run ended at its floor, far below epoch 3 of 3
    assert got[2][-1] < 0.2 * expected[3][0]
