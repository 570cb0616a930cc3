"""End to end on a handful of real CamVid images, through the real tools:
train -> validate -> checkpoint -> resume -> test --show-dir."""
import json
import os
import os.path as osp

import pytest
import torch

from mmseg_fastscnn.analysis.curves import find_scalar_files, read_epochs
from tests.utils import (CONFIG, ROOT, SMALL, TEST_ON_VAL, run_folder,
                         run_tool, run_two_stages)


def test_train_resume_test_show_dir(tiny_camvid, tmp_path):
    work = str(tmp_path / 'work')
    opts = SMALL + [f'data_root={tiny_camvid}']
    run_tool('tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
             *opts, 'train_cfg.max_epochs=2')
    assert osp.isfile(osp.join(work, 'epoch_2.pth'))
    best = [f for f in os.listdir(work) if f.startswith('best_mIoU')]
    assert len(best) == 1
    # every checkpoint is weights-only loadable, resume state included
    ckpt = torch.load(osp.join(work, 'epoch_2.pth'), weights_only=True)
    assert ckpt['meta']['epoch'] == 2
    assert ckpt['meta']['dataset_meta']['classes'][0] == 'Sky'

    proc = run_tool('tools/train.py', CONFIG, '--work-dir', work, '--resume',
                    '--cfg-options', *opts, 'train_cfg.max_epochs=3')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 2, iter: 4' in log
    assert osp.isfile(osp.join(work, 'epoch_3.pth'))
    val3 = [line for line in log.splitlines()
            if 'Epoch(val) [3]' in line and 'mIoU:' in line]
    assert val3 and 'loss:' in val3[-1]  # validation loss beside mIoU
    best = [f for f in os.listdir(work) if f.startswith('best_mIoU')][0]
    summary = [line for line in log.splitlines() if 'training done:' in line]
    epoch = best[len('best_mIoU_epoch_'):-len('.pth')]
    assert len(summary) == 1 and summary[0].endswith(
        f'at epoch {epoch}, checkpoint {osp.join(work, best)}')
    _, val = read_epochs(find_scalar_files(work))  # per-class curves too
    assert 0.0 <= val[3]['IoU.Road'] <= 100.0

    show = str(tmp_path / 'show')
    test_work = str(tmp_path / 'test')
    run_tool('tools/test.py', CONFIG, osp.join(work, 'epoch_3.pth'),
             '--work-dir', test_work, '--show-dir', show, '--show-samples',
             '2', '--cfg-options', *opts, *TEST_ON_VAL)
    # one panel per val image, named as the image (not test_<file>_<n>)
    painted = [
        f for dirpath, _, files in os.walk(show) for f in files
        if f.endswith('.png')
    ]
    assert sorted(painted) == sorted(os.listdir(osp.join(tiny_camvid,
                                                         'val')))
    assert all(osp.isfile(osp.join(show, f)) for f in painted)
    reports = run_folder(test_work)
    assert not osp.exists(osp.join(show, 'vis_data'))  # panels only
    with open(osp.join(reports, 'test_metrics.json')) as f:
        metrics = json.load(f)
    for key in ('aAcc', 'mIoU', 'mDice'):
        assert 0.0 <= metrics[key] <= 100.0
    for name in ('per_class_metrics.json', 'confusion_matrix.json',
                 'confusion_matrix.png', 'samples.png'):
        assert osp.isfile(osp.join(reports, name)), name
    with open(osp.join(reports, 'per_class_metrics.json')) as f:
        report = json.load(f)
    assert list(report['per_class']) == list(report['classes'])
    assert report['summary']['mIoU'] == pytest.approx(metrics['mIoU'])

    # --tta on the shipped (trained) model: the TTA wrapper and pipeline
    # are what ran, and its flip x 4-scale vote changes the prediction
    shipped = osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth')
    scores = {}
    for name, extra in (('single', []), ('tta', ['--tta'])):
        out = str(tmp_path / name)
        run_tool('tools/test.py', CONFIG, shipped, '--work-dir', out, *extra,
                 '--cfg-options', *opts, *TEST_ON_VAL)
        with open(osp.join(run_folder(out), 'test_metrics.json')) as f:
            scores[name] = json.load(f)
    from mmengine import Config
    used = Config.fromfile(osp.join(tmp_path / 'tta', 'fastscnn_camvid.py'))
    assert used.model.type == 'MeanProbSegTTAModel'
    assert used.test_dataloader.dataset.pipeline[1].type == 'TestTimeAug'
    assert scores['tta']['aAcc'] != scores['single']['aAcc']


def test_two_stage_script_fine_tunes_stage_one_and_resumes(
        tiny_camvid, tmp_path):
    """Fresh work dirs with --resume: stage 1 starts from scratch, stage 2
    from stage 1's best checkpoint (not at random), with the Lovasz term;
    run again, both stages resume and train nothing more."""
    opts = ['--resume', '--cfg-options', *SMALL, f'data_root={tiny_camvid}',
            'train_cfg.max_epochs=1']
    proc = run_two_stages(tmp_path, *opts)
    log = proc.stdout + proc.stderr
    stage1 = tmp_path / 'fastscnn_camvid'
    stage2 = tmp_path / 'fastscnn_camvid_lovasz-ft'
    best1 = [f for f in os.listdir(stage1) if f.startswith('best_mIoU')]
    assert len(best1) == 1
    assert 'training from scratch' in log
    assert f'training from load_from {stage1 / best1[0]}' in log
    assert f'Load checkpoint from {stage1 / best1[0]}' in log
    assert 'decode.loss_lovasz' in log
    one = torch.load(stage1 / best1[0], weights_only=True)['state_dict']
    two = torch.load(stage2 / 'epoch_1.pth', weights_only=True)['state_dict']
    # BN counts the batches it saw: stage 2 went on from stage 1's count
    batches = [k for k in one if k.endswith('num_batches_tracked')][0]
    assert one[batches] > 0 and two[batches] == 2 * one[batches]
    key = 'decode_head.conv_seg.weight'
    assert not torch.equal(one[key], two[key])

    proc = run_two_stages(tmp_path, *opts)
    again = proc.stdout + proc.stderr
    assert again.count('Auto resumed from the latest complete') == 2
    assert 'Epoch(train)' not in again
    assert again.count('nothing left to train') == 2


@pytest.mark.parametrize('flag', ['--work-dir', '--load-from=x.pth'])
def test_two_stage_script_refuses_per_stage_flags(flag, tmp_path):
    """One --work-dir or --load-from for both stages would make stage 2
    overwrite stage 1 or skip its weights: refused before any training."""
    proc = run_two_stages(tmp_path, flag, 'x', check=False)
    assert proc.returncode == 2
    assert flag.split('=')[0] in proc.stderr and 'WORK_DIR' in proc.stderr
    assert not os.listdir(tmp_path)


@pytest.mark.parametrize('args', [['--resume', 'x.pth'],
                                  ['--resume=x.pth']])
def test_two_stage_script_refuses_one_resume_file_for_both(args, tmp_path):
    """--resume CKPT would resume stage 2 from a stage-1 file (its epoch,
    optimiser and schedule): refused; a bare --resume is the way."""
    proc = run_two_stages(tmp_path, *args, check=False)
    assert proc.returncode == 2
    assert 'x.pth' in proc.stderr and 'bare --resume' in proc.stderr
    assert not os.listdir(tmp_path)


def test_resume_explicit_checkpoint_path(tiny_camvid, tmp_path):
    work = str(tmp_path / 'work')
    opts = SMALL + [f'data_root={tiny_camvid}']
    run_tool('tools/train.py', CONFIG, '--work-dir', work, '--cfg-options',
             *opts, 'train_cfg.max_epochs=1')
    proc = run_tool('tools/train.py', CONFIG, '--work-dir', work, '--resume',
                    osp.join(work, 'epoch_1.pth'), '--cfg-options', *opts,
                    'train_cfg.max_epochs=2')
    assert 'resumed epoch: 1, iter: 2' in proc.stdout + proc.stderr


def test_ema_fine_tune_checkpoints_the_average_and_resumes_it(
        tiny_camvid, tmp_path):
    """The EMA ablation of stage 2 (mmengine's EMAHook under our runner):
    checkpoints hold the averaged weights in ``state_dict`` (what test.py
    and publish_model.py use) and the raw ones in ``ema_state_dict``, both
    weights-only loadable; --resume carries the average on, and the
    published file keeps the average only."""
    from mmseg_fastscnn.apis.publish import publish_checkpoint

    config = osp.join(ROOT, 'configs', 'ablations',
                      'fastscnn_lovasz-ft-ema_1xb8-20e_camvid-360x480.py')
    work = tmp_path / 'work'
    opts = SMALL + [f'data_root={tiny_camvid}']
    run_tool('tools/train.py', config, '--work-dir', str(work),
             '--cfg-options', *opts, 'train_cfg.max_epochs=1')
    proc = run_tool('tools/train.py', config, '--work-dir', str(work),
                    '--resume', '--cfg-options', *opts,
                    'train_cfg.max_epochs=2')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1, iter: 2' in log
    assert 'no `ema_state_dict`' not in log

    key = 'decode_head.conv_seg.weight'
    one, two = (torch.load(work / f'epoch_{e}.pth', weights_only=True)
                for e in (1, 2))
    average1, average2 = (c['state_dict'][key] for c in (one, two))
    raw1, raw2 = (c['ema_state_dict']['module.' + key] for c in (one, two))
    assert not torch.equal(average1, raw1)
    # the 2 steps after the resume move the average by 2 x 0.003 of its
    # distance to the raw weights; had the resume restarted it from the raw
    # weights, it would have jumped to them
    assert (average2 - average1).norm() < 0.1 * (raw2 - average1).norm()
    assert not torch.equal(raw1, raw2)

    published = tmp_path / 'published.pth'
    publish_checkpoint(str(work / 'epoch_2.pth'), str(published))
    out = torch.load(published, weights_only=True)
    assert set(out) == {'meta', 'state_dict'}
    assert torch.equal(out['state_dict'][key], average2)


@pytest.mark.parametrize('args, message', [
    (['tools/train.py', CONFIG, '--cfg-options', 'data_root=/no/such/dir'],
     'data_root not found: /no/such/dir'),
    (['tools/train.py', CONFIG, '--cfg-options',
      'train_dataloader.batchsize=2'],
     "unknown config key 'train_dataloader.batchsize'"),
    (['tools/train.py', CONFIG, '--cfg-options', 'optimiser.lr=1'],
     "unknown config key 'optimiser.lr'"),
    (['tools/train.py', CONFIG, '--resume', '/no/such.pth'],
     'checkpoint not found: /no/such.pth'),
    (['tools/test.py', CONFIG, '/no/such.pth'],
     'checkpoint not found: /no/such.pth'),
    (['tools/train.py', CONFIG, '--load-from', '/no/such.pth'],
     'load_from checkpoint not found: /no/such.pth'),
    (['tools/train.py', CONFIG, '--resume', '--load-from', '/no/such.pth'],
     'load_from checkpoint not found: /no/such.pth'),
    (['tools/train.py', 'configs/nope.py'], 'config not found'),
    (['tools/train.py', CONFIG, '--fold', '../0006R0'],
     'one CamVid sequence name'),
    (['tools/test.py', 'configs/fastscnn_camvid_trainval.py',
      'checkpoints/fastscnn_camvid.pth', '--fold', '0006R0'],
     "--fold needs one CamVidDataset in train_dataloader.dataset (wrapped "
     "or not); this config has train_dataloader.dataset.datasets.0: "
     "'CamVidDataset', train_dataloader.dataset.datasets.1: "
     "'CamVidDataset'"),
])
def test_bad_input_gets_one_clear_line(args, message, tmp_path):
    args = args + ['--work-dir', str(tmp_path)] if '--work-dir' not in args \
        else args
    proc = run_tool(*args, check=False)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert message in proc.stderr
    assert 'Traceback' not in proc.stderr


def test_empty_split_is_named(tmp_path):
    for folder in ('train', 'trainannot', 'val', 'valannot'):
        os.makedirs(tmp_path / 'data' / folder)
    proc = run_tool(
        'tools/train.py',
        CONFIG,
        '--work-dir',
        str(tmp_path / 'w'),
        '--cfg-options',
        f'data_root={tmp_path / "data"}',
        *SMALL,
        check=False)
    assert proc.returncode == 1
    assert 'empty split' in proc.stderr and 'train' in proc.stderr
    assert 'Traceback' not in proc.stderr


@pytest.mark.parametrize('flag, precision', [
    ('--amp', 'training precision: bfloat16 autocast on CPU'),
    ('--no-amp', 'training precision: float32 (enabled=False)'),
])
def test_amp_flag_on_cpu_trains_and_says_which_precision(
        flag, precision, tiny_camvid, tmp_path):
    """--amp is mixed precision on the device that runs (a CPU here),
    --no-amp float32; the log states the precision and memory format."""
    from mmseg_fastscnn.utils.precision import cpu_supports_bf16
    if torch.cuda.is_available():
        pytest.skip('a GPU is present')
    if flag == '--amp' and not cpu_supports_bf16():
        precision = 'training precision: float32: this CPU has no fast'
    proc = run_tool('tools/train.py', CONFIG, flag, '--work-dir',
                    str(tmp_path), '--cfg-options', *SMALL,
                    f'data_root={tiny_camvid}', 'train_cfg.max_epochs=1')
    log = proc.stdout + proc.stderr
    assert precision in log
    assert 'memory format: channels_last' in log
    assert osp.isfile(osp.join(tmp_path, 'epoch_1.pth'))