"""What a new user does first: test one split, shorten a run, export
without CamVid, resume a finished run, read the outputs."""
import json
import os
import os.path as osp
import time

import numpy as np
import pytest
import torch
from mmengine.config import Config
from PIL import Image

from mmseg_fastscnn.cli import (class_stats, complexity, export_onnx, infer,
                                plot_curves)
from tests.utils import (CONFIG, SHIPPED, link_camvid_subset, run_folder,
                         run_tool)


def test_test_tool_reads_only_the_split_it_evaluates(camvid_root, tmp_path):
    """DIR holds test/ and testannot/ only (val frames linked there): the
    main config evaluates it with data_root=DIR, never touching a train
    split, and says what it evaluated."""
    root = tmp_path / 'only_test'
    link_camvid_subset(root, camvid_root, {'val': 2})
    os.rename(root / 'val', root / 'test')
    os.rename(root / 'valannot', root / 'testannot')
    work = tmp_path / 'work'
    proc = run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir',
                    str(work), '--cfg-options',
                    'test_dataloader.num_workers=0',
                    'test_dataloader.persistent_workers=False',
                    f'test_dataloader.dataset.data_root={root}')
    assert sorted(os.listdir(root)) == ['test', 'testannot']
    metrics = json.loads(
        open(osp.join(run_folder(work), 'test_metrics.json')).read())
    assert 30 < metrics['mIoU'] <= 100
    evaluated = metrics['evaluated']
    assert evaluated['img_path'] == osp.join(str(root), 'test')
    assert evaluated['seg_map_path'] == osp.join(str(root), 'testannot')
    assert evaluated['images'] == 2
    assert evaluated['checkpoint'] == SHIPPED
    assert f'img_path={root}/test' in proc.stdout + proc.stderr
    # without test/ (a folder of its own: the SegNet layout has test/):
    # the error names the folder and how to evaluate val
    no_test = link_camvid_subset(tmp_path / 'train_val', camvid_root,
                                 {'train': 1, 'val': 1})
    proc = run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir',
                    str(work), '--cfg-options', f'data_root={no_test}',
                    check=False)
    assert proc.returncode == 1
    assert f'test split not found: {no_test}/test' in proc.stderr
    assert 'test_dataloader.dataset.data_prefix.img_path=val' in proc.stderr
    assert 'Traceback' not in proc.stderr
    # no data root at all: the message tools/train.py gives, whose advice
    # (CAMVID_ROOT) works in every tool
    nowhere = str(tmp_path / 'nowhere')
    for tool, args in (('tools/test.py', [SHIPPED]), ('tools/train.py', [])):
        proc = run_tool(tool, CONFIG, *args, '--work-dir', str(work),
                        '--cfg-options', f'data_root={nowhere}', check=False)
        assert proc.returncode == 1
        assert proc.stderr.strip().splitlines()[-1] == (
            f'error: FileNotFoundError: CamVid data_root not found: {nowhere} '
            '(point the CAMVID_ROOT environment variable at the CamVid '
            'folder, which the configs read in every tool, or link it to '
            'data/camvid)'), (tool, proc.stderr[-1000:])


def test_schedule_follows_max_epochs():
    """train_cfg.max_epochs=3 stretches OneCycle to 3 epochs: it peaks at
    eta_max and ends at its floor within them."""
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import PARAM_SCHEDULERS

    from mmseg_fastscnn.utils import ConfigKeyError, apply_cfg_options
    cfg = Config.fromfile(CONFIG)
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 3})
    (one_cycle, ) = cfg.param_scheduler
    # no end in the config: the Runner sets it to train_cfg.max_epochs
    assert one_cycle.begin == 0 and 'end' not in one_cycle
    model = torch.nn.Linear(2, 2)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    epoch_length = 200
    scheduler = PARAM_SCHEDULERS.build(
        dict(one_cycle, end=cfg.train_cfg.max_epochs, optimizer=wrapper,
             epoch_length=epoch_length))
    lrs = []
    for _ in range(3 * epoch_length):
        lrs.append(wrapper.param_groups[0]['lr'])
        scheduler.step()
    peak = one_cycle.eta_max
    floor = peak / one_cycle.div_factor / one_cycle.final_div_factor
    assert max(lrs) == pytest.approx(peak, rel=1e-3)
    assert lrs[-1] == pytest.approx(floor, rel=0.05)
    assert lrs.index(max(lrs)) == pytest.approx(0.3 * len(lrs), abs=2)
    # a boundary set by the same options is kept; lr changes nothing here
    cfg = Config.fromfile(CONFIG)
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 10,
                            'param_scheduler.0.end': 20})
    assert cfg.param_scheduler[0].end == 20
    with pytest.raises(ConfigKeyError, match='param_scheduler.0.eta_max'):
        apply_cfg_options(Config.fromfile(CONFIG),
                          {'optim_wrapper.optimizer.lr': 1e-2})
    # multi-phase schedules scale in proportion
    cfg = Config.fromfile(CONFIG)
    cfg.param_scheduler = [
        dict(type='LinearLR', by_epoch=True, begin=0, end=15),
        dict(type='CosineAnnealingLR', by_epoch=True, begin=15, end=150)
    ]
    apply_cfg_options(cfg, {'train_cfg.max_epochs': 30})
    assert [(s.begin, s.end) for s in cfg.param_scheduler] == [(0, 3),
                                                               (3, 30)]


def test_export_without_camvid_writes_metadata_and_checks_infer_parity(
        tmp_path, capsys):
    """No CamVid anywhere (data_root points nowhere): the export still runs
    its parity check, against mmseg's inference_model (tools/infer.py's
    labels), and the file names its classes and input convention."""
    from mmseg_fastscnn.datasets import CAMVID_CLASSES, CAMVID_PALETTE
    from mmseg_fastscnn.deploy import read_metadata
    tool = export_onnx
    out = tmp_path / 'm.onnx'
    results = tool.main([
        CONFIG, SHIPPED, '--out', str(out), '--size', '96x128',
        '--parity-images', '2', '--cfg-options',
        f'data_root={tmp_path / "nowhere"}'
    ])
    printed = capsys.readouterr().out
    assert 'parity on 2 generated images (no val split' in printed
    assert 'label agreement with tools/infer.py fp32' in printed
    assert results['parity']['infer_agreement']['fp32'] > 0.99
    meta = read_metadata(str(out))
    assert meta['classes'] == list(CAMVID_CLASSES)
    assert meta['palette'] == CAMVID_PALETTE
    assert meta['input_channel_order'] == 'BGR'
    assert meta['input_layout'] == 'NCHW'
    assert meta['input_size_hw'] == [96, 128]
    # the test pipeline resizes any frame to fit 480x360
    assert meta['work_size_hw'] == [360, 480]
    assert meta['mean_rgb'] == [123.675, 116.28, 103.53]
    assert not [n for n in os.listdir(tmp_path) if 'tmp' in n]
    # INT8 without CamVid needs frames to calibrate on: it says so first
    with pytest.raises(FileNotFoundError, match='--image-dir'):
        tool.main([CONFIG, SHIPPED, '--out', str(tmp_path / 'q.onnx'),
                   '--int8', '--parity-images', '0', '--cfg-options',
                   f'data_root={tmp_path / "nowhere"}'])
    assert not (tmp_path / 'q.onnx').exists()


def test_export_parity_on_real_frames_against_infer(camvid_root, tmp_path):
    """On val frames the graph's labels agree with inference_model's."""
    tool = export_onnx
    results = tool.main([
        CONFIG, SHIPPED, '--out', str(tmp_path / 'm.onnx'),
        '--parity-images', '1', '--cfg-options', f'data_root={camvid_root}'
    ])
    assert results['parity']['infer_agreement']['fp32'] > 0.998


def test_small_tool_outputs(camvid_root, tmp_path, capsys):
    """complexity.py includes the deployed size; class_stats.py takes a
    split as check_dataset.py names it; plot_curves.py writes its JSON."""
    rows, total = complexity.main([CONFIG])
    assert sorted(total) == ['flops@1024x2048', 'flops@360x480', 'params']
    scaled = osp.join(osp.dirname(CONFIG), 'ablations',
                      'fastscnn_scale1.5x_1xb8-150e_camvid-360x480.py')
    rows, total = complexity.main([scaled])  # deployed at 1.5x
    assert total['flops@540x720'] == pytest.approx(
        2.25 * total['flops@360x480'], rel=0.05)
    stats = class_stats.main(
        [camvid_root, '--split', 'val'])
    assert stats['num_images'] == 101 and stats['split'] == 'valannot'
    run = tmp_path / 'run' / 'vis_data'
    run.mkdir(parents=True)
    (run / 'scalars.json').write_text(
        json.dumps(dict(epoch=1, iter=1, loss=1.0)) + '\n' +
        json.dumps(dict(aAcc=50.0, mIoU=20.0, mDice=30.0, step=1)) + '\n')
    plot_curves.main(
        [str(tmp_path / 'run'), '--out-dir', str(tmp_path / 'out')])
    curves = json.loads((tmp_path / 'out' / 'curves.json').read_text())
    assert curves['val']['1']['mIoU'] == 20.0


def test_infer_overlay_legend_and_no_npy(camvid_root, tmp_path):
    tool = infer
    image = osp.join(camvid_root, 'val', sorted(
        os.listdir(osp.join(camvid_root, 'val')))[0])
    out = tmp_path / 'out'
    assert tool.main([CONFIG, SHIPPED, image, '--out-dir', str(out),
                      '--mode', 'prob', '--no-npy']) == 1
    assert not (out / 'prob').exists()
    assert len(os.listdir(out / 'confidence')) == 1
    overlay = np.asarray(Image.open(out / 'overlay' /
                                    os.listdir(out / 'overlay')[0]))
    assert overlay.shape[1] == 480 and overlay.shape[0] > 360  # + legend
    legend = overlay[360:]
    assert (legend == 255).all(-1).mean() > 0.5  # a white strip
    sky = np.array([128, 128, 128])  # CamVid's Sky colour box in it
    assert (legend == sky).all(-1).sum() > 50
    plain = tmp_path / 'plain'
    tool.main([CONFIG, SHIPPED, image, '--out-dir', str(plain),
               '--no-legend'])
    overlay = Image.open(plain / 'overlay' / os.listdir(plain / 'overlay')[0])
    assert overlay.size == (480, 360)
    with pytest.raises(ValueError, match='--no-npy only applies'):
        tool.main([CONFIG, SHIPPED, image, '--out-dir', str(plain),
                   '--no-npy'])


def test_each_evaluation_keeps_its_own_reports(camvid_root, tmp_path):
    """test, then val, into one work dir: each run's folder keeps its own
    test_metrics.json and per-class report (the val run used to overwrite
    the test run's)."""
    root = tmp_path / 'camvid'
    link_camvid_subset(root, camvid_root, {'val': 3})
    for folder in ('val', 'valannot'):
        os.makedirs(root / folder.replace('val', 'test'))
        name = sorted(os.listdir(root / folder))[-1]
        os.symlink(os.readlink(root / folder / name),
                   root / folder.replace('val', 'test') / name)
    work = tmp_path / 'work'
    opts = ['test_dataloader.num_workers=0',
            'test_dataloader.persistent_workers=False', f'data_root={root}']
    run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir', str(work),
             '--cfg-options', *opts)
    time.sleep(1.1)  # mmengine's run folders are named to the second
    run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir', str(work),
             '--cfg-options', *opts,
             'test_dataloader.dataset.data_prefix.img_path=val',
             'test_dataloader.dataset.data_prefix.seg_map_path=valannot')
    runs = sorted(d for d in os.listdir(work) if osp.isdir(work / d))
    assert len(runs) == 2, runs
    evaluated = []
    for run in runs:
        metrics = json.loads((work / run / 'test_metrics.json').read_text())
        report = json.loads(
            (work / run / 'per_class_metrics.json').read_text())
        assert report['summary']['mIoU'] == pytest.approx(metrics['mIoU'])
        evaluated.append((osp.basename(metrics['evaluated']['img_path']),
                          metrics['evaluated']['images']))
    assert evaluated == [('test', 1), ('val', 3)]
    assert not (work / 'test_metrics.json').exists()
