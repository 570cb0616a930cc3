"""Kills at every checkpointing moment, and copied work dirs, through
tools/train.py on real CamVid frames."""
import hashlib
import json
import os
import os.path as osp
import shutil
import signal

import pytest
import torch

from tests.utils import FAST, link_camvid_subset, run, write_config

# best at epoch 2, then no better: patience 2 stops after epoch 4
SCORES = [1.0, 2.0, 1.5, 1.2, 1.1, 1.0]
STOP_AT = 4
KILLS = [  # (moment, epoch whose validation it interrupts)
    ('best_tmp', 2), ('best_renamed', 2), ('old_best_removed', 2),
    ('epoch_tmp', 2), ('epoch_renamed', 2), ('mid_epoch', 3)
]


@pytest.fixture(scope='module')
def tiny_camvid(tmp_path_factory, camvid_root):
    return link_camvid_subset(
        tmp_path_factory.mktemp('camvid'), camvid_root, {'train': 8, 'val': 1})


def scored_config(path, kill: str = '') -> str:
    hooks = ("dict(type='TrainOnlyEarlyStoppingHook', monitor='score', "
             f"patience=2, rule='greater'), dict(type='FakeScoreHook', "
             f"scores={SCORES!r})" + (f', {kill}' if kill else ''))
    return write_config(path, hooks)


def options(data_root):
    return FAST + [
        f'data_root={data_root}', 'train_cfg.max_epochs=6',
        'train_dataloader.batch_size=4',
        'default_hooks.checkpoint.save_best=score'
    ]


def stopped_epoch(work: str) -> int:
    """The epoch early stopping recorded in ``work``'s early_stopped.json."""
    with open(osp.join(work, 'early_stopped.json')) as f:
        return json.load(f)['epoch']


def best_files(work):
    return sorted(f for f in os.listdir(work) if f.startswith('best_'))


def test_kill_at_every_checkpoint_moment_then_resume(tiny_camvid, tmp_path):
    """After each kill: no torn file, a best checkpoint once a validation
    completed; in the end every epoch of the run was validated once
    (re-trained epochs again, as they are new), exactly one best file, and
    early stopping at the unbroken run's epoch (STOP_AT, as
    test_max_keep_ckpts_keeps_the_newest_validated_epochs's run shows)."""
    opts = options(tiny_camvid)
    work = str(tmp_path / 'broken')
    resumed_from = {}
    for index, (moment, epoch) in enumerate(KILLS):
        # 2 iterations an epoch: the first of epoch ``epoch``
        kill = (f"dict(type='SigkillHook', at_iter={2 * epoch - 1})"
                if moment == 'mid_epoch' else
                f"dict(type='KillAtSaveHook', moment={moment!r}, "
                f"epoch={epoch})")
        cfg = scored_config(tmp_path / f'kill{index}.py', kill)
        proc = run('tools/train.py', cfg, '--work-dir', work,
                   *(['--resume'] if index else []), '--cfg-options', *opts,
                   check=False)
        assert proc.returncode == -signal.SIGKILL, (moment,
                                                    proc.stderr[-2000:])
        log = proc.stdout + proc.stderr
        if index:
            resumed_from[moment] = log.split('Auto resumed from')[-1][:200]
        names = os.listdir(work)
        for name in names:
            if name.endswith('.pth'):  # never torn
                torch.load(osp.join(work, name), weights_only=True)
        assert best_files(work), (moment, names)  # epoch 1 was validated
    proc = run('tools/train.py', scored_config(tmp_path / 'last.py'),
               '--work-dir', work, '--resume', '--cfg-options', *opts)
    assert stopped_epoch(work) == STOP_AT
    assert best_files(work) == ['best_score_epoch_2.pth']
    best = torch.load(osp.join(work, 'best_score_epoch_2.pth'),
                      weights_only=True)
    assert best['meta']['epoch'] == 2
    assert not [n for n in os.listdir(work) if n.endswith('.tmp')]
    # every resume started from a checkpoint written after its epoch's
    # validation: the epochs validated form 1..STOP_AT once, plus the
    # epochs a kill made the run train again
    validated = [int(v) for v in open(osp.join(work, 'validated.txt'))]
    assert sorted(set(validated)) == list(range(1, STOP_AT + 1))
    assert validated.count(1) == 1 and validated[-2:] == [3, 4]
    last = torch.load(osp.join(work, f'epoch_{STOP_AT}.pth'),
                      weights_only=True)
    state = last['meta']['early_stopping'][0]
    assert state == dict(best_score=2.0, wait_count=2)
    # the kill after epoch 2's rename resumed from epoch 2, not epoch 1
    assert 'epoch_2.pth' in resumed_from['mid_epoch']
    for moment in ('best_renamed', 'old_best_removed', 'epoch_tmp',
                   'epoch_renamed'):
        assert 'epoch_1.pth' in resumed_from[moment], moment


def digest(folder):
    out = {}
    for name in sorted(os.listdir(folder)):
        path = osp.join(folder, name)
        if osp.isfile(path):
            with open(path, 'rb') as f:
                out[name] = (os.stat(path).st_mtime_ns,
                             hashlib.sha256(f.read()).hexdigest())
    return out


def test_copied_work_dir_resumes_without_touching_the_original(
        tiny_camvid, tmp_path):
    opts = options(tiny_camvid)
    original = str(tmp_path / 'runA')
    cfg = scored_config(tmp_path / 'kill.py',
                        "dict(type='SigkillHook', at_iter=7)")
    proc = run('tools/train.py', cfg, '--work-dir', original,
               '--cfg-options', *opts, check=False)
    assert proc.returncode == -signal.SIGKILL
    assert best_files(original) == ['best_score_epoch_2.pth']
    copy = str(tmp_path / 'copy')
    shutil.copytree(original, copy, symlinks=True)
    before = digest(original)
    proc = run('tools/train.py', scored_config(tmp_path / 'go.py'),
               '--work-dir', copy, '--resume', '--cfg-options', *opts)
    log = proc.stdout + proc.stderr
    assert original not in log.replace(copy, '<copy>')
    assert digest(original) == before
    assert f'Auto resumed from the latest complete checkpoint {copy}' in log
    assert best_files(copy) == ['best_score_epoch_2.pth']
    assert stopped_epoch(copy) == STOP_AT


def test_max_keep_ckpts_keeps_the_newest_validated_epochs(
        tiny_camvid, tmp_path):
    """mmengine's ``max_keep_ckpts`` with epoch checkpoints written after
    their validation: the oldest is removed, the pointer names the newest.
    The run is unbroken: it stops at STOP_AT, the epoch every killed and
    resumed run of this module must stop at."""
    work = str(tmp_path / 'keep')
    run('tools/train.py', scored_config(tmp_path / 'keep.py'), '--work-dir',
        work, '--cfg-options', *options(tiny_camvid),
        'default_hooks.checkpoint.max_keep_ckpts=2')
    assert stopped_epoch(work) == STOP_AT
    names = sorted(n for n in os.listdir(work) if n.endswith('.pth'))
    assert names == [
        'best_score_epoch_2.pth', f'epoch_{STOP_AT - 1}.pth',
        f'epoch_{STOP_AT}.pth'
    ]
    with open(osp.join(work, 'last_checkpoint')) as f:
        assert f.read() == osp.join(work, f'epoch_{STOP_AT}.pth')
    last = torch.load(osp.join(work, f'epoch_{STOP_AT}.pth'),
                      weights_only=True)
    assert last['message_hub']['runtime_info']['keep_ckpt_ids'] == [
        STOP_AT - 1, STOP_AT
    ]
    assert last['meta']['early_stopping'][0]['wait_count'] == 2


def test_kill_at_the_first_epoch_file_of_an_improved_epoch(
        tiny_camvid, tmp_path):
    """A process that already saved an epoch and then finds a new best:
    killed right after the first ``epoch_2.pth`` of that validation lands,
    it resumes and stops where an unbroken run does (mmengine's best step
    writes ``epoch_k.pth`` again before every hook saw the validation; that
    early copy would carry early stopping's count from before epoch 2)."""
    opts = options(tiny_camvid)
    work = str(tmp_path / 'work')
    kill = "dict(type='KillAtSaveHook', moment='epoch_renamed', epoch=2)"
    proc = run('tools/train.py', scored_config(tmp_path / 'kill.py', kill),
               '--work-dir', work, '--cfg-options', *opts, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    saved = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)
    assert saved['meta']['early_stopping'][0] == dict(best_score=2.0,
                                                      wait_count=0)
    run('tools/train.py', scored_config(tmp_path / 'last.py'), '--work-dir',
        work, '--resume', '--cfg-options', *opts)
    assert stopped_epoch(work) == STOP_AT
    assert best_files(work) == ['best_score_epoch_2.pth']
