"""Distributed training, crash safety and bad input, through the tools."""
import os
import os.path as osp
import signal
import subprocess

import pytest
import torch

from tests.utils import (CONFIG as MAIN, FAST, ROOT, env, link_camvid_subset,
                         run, write_config)


@pytest.fixture(scope='module')
def tiny_camvid(tmp_path_factory, camvid_root):
    return link_camvid_subset(
        tmp_path_factory.mktemp('camvid'), camvid_root, {'train': 8, 'val': 2})


def test_two_process_training_matches_single_process(tiny_camvid, tmp_path):
    """torchrun, 2 CPU ranks (gloo): identical weights and BN statistics on
    both ranks, and the first loss equals the single-process run's on the
    same 4 images."""
    dump_dist, dump_single = tmp_path / 'dist', tmp_path / 'single'
    common = FAST + [
        f'data_root={tiny_camvid}', 'train_cfg.max_epochs=1',
        'train_cfg.val_interval=100', 'randomness.seed=0',
        'train_dataloader.sampler.shuffle=False'
    ]
    dist_cfg = write_config(tmp_path / 'dist.py',
                            f"dict(type='DumpWeightsHook', "
                            f"out_dir={str(dump_dist)!r})")
    single_cfg = write_config(tmp_path / 'single.py',
                              f"dict(type='DumpWeightsHook', "
                              f"out_dir={str(dump_single)!r})")
    proc = subprocess.run([
        'bash', 'tools/dist_train.sh', dist_cfg, '2', '--work-dir',
        str(tmp_path / 'w_dist'), '--cfg-options', *common,
        'train_dataloader.batch_size=2'
    ], cwd=ROOT, env=dict(env(), PORT='29517'), capture_output=True,
        text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    run('tools/train.py', single_cfg, '--work-dir', str(tmp_path / 'w_one'),
        '--cfg-options', *common, 'train_dataloader.batch_size=4')
    rank0 = torch.load(dump_dist / 'rank0.pth', weights_only=True)
    rank1 = torch.load(dump_dist / 'rank1.pth', weights_only=True)
    one = torch.load(dump_single / 'rank0.pth', weights_only=True)
    params = [k for k in rank0['state_dict'] if not k.endswith(
        ('running_mean', 'running_var', 'num_batches_tracked'))]
    assert len(params) > 100
    for key in params:
        assert torch.equal(rank0['state_dict'][key],
                           rank1['state_dict'][key]), key
    # each rank's BN statistics (broadcast_buffers=False) are averaged at
    # the epoch's end (SyncBuffersHook), so any rank's checkpoint has them
    stats = [k for k in rank0['state_dict'] if k.endswith('running_mean')]
    assert stats
    for key in stats:
        assert torch.allclose(rank0['state_dict'][key],
                              rank1['state_dict'][key]), key
    assert len(rank0['losses']) == len(one['losses']) == 2
    first_dist = (rank0['losses'][0] + rank1['losses'][0]) / 2
    # same images and weights; BN batch statistics differ (2 vs 4 images)
    assert first_dist == pytest.approx(one['losses'][0], rel=0.1)


def test_sigkill_then_resume_ends_like_an_unbroken_run(tiny_camvid,
                                                       tmp_path):
    """SIGKILL inside epoch 3 (iteration 5 of 8), then --resume: the run
    restarts from epoch 2's checkpoint, keeps its early-stopping and
    best-checkpoint records, and ends with the iteration, learning rate and
    schedule position of an unbroken run."""
    opts = FAST + [
        f'data_root={tiny_camvid}', 'train_cfg.max_epochs=4',
        'train_dataloader.batch_size=4', 'default_hooks.checkpoint.interval=1'
    ]
    broken, whole = str(tmp_path / 'broken'), str(tmp_path / 'whole')
    stopper = ("dict(type='TrainOnlyEarlyStoppingHook', monitor='mIoU', "
               "patience=40, rule='greater')")
    kill_cfg = write_config(tmp_path / 'kill.py',
                            stopper + ", dict(type='SigkillHook', at_iter=5)")
    same_cfg = write_config(tmp_path / 'same.py', stopper)
    proc = run('tools/train.py', kill_cfg, '--work-dir', broken,
               '--cfg-options', *opts, check=False)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert not osp.exists(osp.join(broken, 'epoch_3.pth'))
    before = torch.load(osp.join(broken, 'epoch_2.pth'), weights_only=True)
    resumed = run('tools/train.py', same_cfg, '--work-dir', broken,
                  '--resume', '--cfg-options', *opts)
    assert 'resumed epoch: 2, iter: 4' in resumed.stdout + resumed.stderr
    run('tools/train.py', same_cfg, '--work-dir', whole, '--cfg-options',
        *opts)
    after = torch.load(osp.join(broken, 'epoch_3.pth'), weights_only=True)
    # epoch checkpoints are written after that epoch's validation: each
    # holds the early-stopping record with its own epoch counted (a
    # restarted record would be best -inf with no wait)
    stop_before = before['meta']['early_stopping'][0]
    stop_after = after['meta']['early_stopping'][0]
    assert stop_before['best_score'] > -float('inf')
    if stop_after['best_score'] > stop_before['best_score']:
        assert stop_after['wait_count'] == 0
    else:
        assert stop_after == dict(stop_before,
                                  wait_count=stop_before['wait_count'] + 1)
    best = [c['message_hub']['runtime_info']['best_score']
            for c in (before, after)]
    assert best[1] >= best[0]
    end_broken = torch.load(osp.join(broken, 'epoch_4.pth'),
                            weights_only=True)
    end_whole = torch.load(osp.join(whole, 'epoch_4.pth'), weights_only=True)
    assert end_broken['meta']['iter'] == end_whole['meta']['iter'] == 8
    lr = [c['optimizer']['param_groups'][0]['lr']
          for c in (end_broken, end_whole)]
    assert lr[0] == pytest.approx(lr[1])
    sched = [c['param_schedulers'][0]['last_step']
             for c in (end_broken, end_whole)]
    assert sched[0] == sched[1]
    for name in os.listdir(broken):
        assert not name.endswith('.tmp'), name
        if name.endswith('.pth'):
            torch.load(osp.join(broken, name), weights_only=True)


def test_resume_after_early_stop_trains_nothing(tiny_camvid, tmp_path):
    """A run that stopped early stays stopped when resumed; a new run in
    the same work dir is not affected by the old stop record."""
    opts = FAST + [
        f'data_root={tiny_camvid}', 'train_cfg.max_epochs=3',
        'train_dataloader.batch_size=4', 'default_hooks.checkpoint.interval=1'
    ]
    work = str(tmp_path / 'work')
    # any mIoU reaches the threshold 0: stop after the first validation
    cfg = write_config(
        tmp_path / 'stop.py',
        "dict(type='TrainOnlyEarlyStoppingHook', monitor='mIoU', "
        "patience=5, rule='greater', stopping_threshold=0.0)")
    run('tools/train.py', cfg, '--work-dir', work, '--cfg-options', *opts)
    assert osp.isfile(osp.join(work, 'epoch_1.pth'))
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    marker = osp.join(work, 'early_stopped.json')
    assert open(marker).read() == '{"epoch": 1}'
    resumed = run('tools/train.py', cfg, '--work-dir', work, '--resume',
                  '--cfg-options', *opts)
    assert 'stopped early at epoch 1' in resumed.stdout + resumed.stderr
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))
    # a fresh run (no --resume) in the same work dir trains all 3 epochs
    plain = write_config(tmp_path / 'plain.py', "dict(type='ValLossHook')")
    run('tools/train.py', plain, '--work-dir', work, '--cfg-options', *opts)
    assert osp.isfile(osp.join(work, 'epoch_3.pth'))
    assert not osp.exists(marker)


def test_nan_loss_stops_with_iteration_and_keeps_checkpoint(tiny_camvid,
                                                            tmp_path):
    cfg = write_config(tmp_path / 'nan.py',
                       "dict(type='PoisonWeightsHook', at_iter=4)")
    work = str(tmp_path / 'w')
    proc = run('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
               *FAST, f'data_root={tiny_camvid}', 'train_cfg.max_epochs=3',
               'train_dataloader.batch_size=4', check=False)
    assert proc.returncode == 1
    assert 'non-finite loss at iteration 4' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert 'epoch_1.pth' in proc.stderr  # names the last good checkpoint
    good = torch.load(osp.join(work, 'epoch_1.pth'), weights_only=True)
    assert all(torch.isfinite(v).all() for v in good['state_dict'].values()
               if v.is_floating_point())
    assert not osp.exists(osp.join(work, 'epoch_2.pth'))


def test_checkpoint_of_other_class_count_is_refused(tiny_camvid, tmp_path):
    work = str(tmp_path / 'w')
    run('tools/train.py', MAIN, '--work-dir', work, '--cfg-options', *FAST,
        f'data_root={tiny_camvid}', 'train_cfg.max_epochs=1',
        'train_dataloader.batch_size=4')
    proc = run('tools/test.py', MAIN, osp.join(work, 'epoch_1.pth'),
               '--work-dir', str(tmp_path / 't'), '--cfg-options', *FAST,
               f'data_root={tiny_camvid}', 'model.decode_head.num_classes=5',
               'model.decode_head.loss_decode.class_weight=None',
               'test_dataloader.dataset.data_prefix.img_path=val',
               'test_dataloader.dataset.data_prefix.seg_map_path=valannot',
               check=False)
    assert proc.returncode == 1
    assert 'does not fit this model' in proc.stderr
    assert 'decode_head.conv_seg.weight: (11, 128, 1, 1)' in proc.stderr


def test_class_weight_of_wrong_length_is_refused(tmp_path):
    proc = run('tools/train.py', MAIN, '--work-dir', str(tmp_path),
               '--cfg-options',
               'model.decode_head.loss_decode.class_weight=[1.0,2.0]',
               check=False)
    assert proc.returncode == 1
    assert 'class_weight has 2 entries but num_classes is 11' in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_nonfinite_weights_are_never_saved(tiny_camvid, tmp_path):
    """The last step of epoch 1 breaks the weights after its loss was
    computed: no checkpoint (epoch or best) of them is written."""
    cfg = write_config(
        tmp_path / 'nan.py',
        "dict(type='PoisonWeightsHook', at_iter=2, after_step=True)")
    work = str(tmp_path / 'w')
    proc = run('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
               *FAST, f'data_root={tiny_camvid}', 'train_cfg.max_epochs=2',
               'train_dataloader.batch_size=4', check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert 'non-finite weights after iteration 2' in proc.stderr
    assert 'decode_head.conv_seg.weight' in proc.stderr
    assert 'Traceback' not in proc.stderr
    assert not [n for n in os.listdir(work) if n.endswith(('.pth', '.tmp'))]


def test_checkpoint_on_a_full_disk(tiny_camvid, tmp_path):
    cfg = write_config(tmp_path / 'full.py', "dict(type='DiskFullAtSaveHook')")
    work = str(tmp_path / 'w')
    proc = run('tools/train.py', cfg, '--work-dir', work, '--cfg-options',
               *FAST, f'data_root={tiny_camvid}', 'train_cfg.max_epochs=1',
               'train_dataloader.batch_size=4', check=False)
    assert proc.returncode == 1
    line = proc.stderr.strip().splitlines()[-1]
    assert line.startswith('error: DiskWriteError: could not write '
                           f'checkpoint {work}/best_mIoU_epoch_1.pth'), line
    assert 'No space left on device' in line and 'untouched' in line
    assert 'Traceback' not in proc.stderr
    assert not [n for n in os.listdir(work) if n.endswith(('.pth', '.tmp'))]
