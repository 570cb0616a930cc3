"""The curves tool reads mmengine's scalars.json logs and draws 3 PNGs."""
import json
import os.path as osp

import matplotlib
import numpy as np
import pytest
from PIL import Image

from mmseg_fastscnn.analysis.curves import (find_scalar_files, plot_curves,
                                            read_epochs)
from mmseg_fastscnn.evaluation.metrics.seg_report_metric import \
    plot_confusion


def write_log(run_dir, records):
    path = run_dir / 'vis_data' / 'scalars.json'
    path.parent.mkdir(parents=True)
    path.write_text('\n'.join(json.dumps(r) for r in records) + '\n')
    return str(path)


def test_epoch_tables_and_resume_overrides(tmp_path):
    work = tmp_path / 'work'
    write_log(work / '20260101_000000', [
        dict(epoch=1, iter=10, loss=2.0, lr=1e-3),
        dict(epoch=1, iter=20, loss=1.0, lr=1e-3),
        dict(aAcc=50.0, mIoU=20.0, mDice=30.0, loss=1.8, step=1),
        dict(epoch=2, iter=30, loss=0.9, lr=1e-3),
        dict(aAcc=60.0, mIoU=25.0, mDice=35.0, loss=1.5, step=2),
    ])
    # resumed from epoch 1: epoch 2 again, then 3; later start wins; its
    # validation loss has its own key (ValLossHook's ``val/val_loss``)
    write_log(work / '20260101_010000', [
        dict(epoch=2, iter=30, loss=0.7, lr=1e-3),
        dict(aAcc=70.0, mIoU=40.0, mDice=50.0, val_loss=1.2, step=2),
        dict(epoch=3, iter=40, loss=0.5, lr=1e-3),
        dict(aAcc=75.0, mIoU=45.0, mDice=55.0, val_loss=1.0, step=3),
    ])
    files = find_scalar_files(str(work))
    assert [osp.basename(osp.dirname(osp.dirname(f))) for f in files] == [
        '20260101_000000', '20260101_010000'
    ]
    train, val = read_epochs(files)
    assert train[1]['loss'] == pytest.approx(1.5)  # mean of the epoch
    assert train[2]['loss'] == pytest.approx(0.7)
    assert sorted(val) == [1, 2, 3]
    assert val[2]['mIoU'] == 40.0 and val[3]['loss'] == 1.0
    assert val[1]['loss'] == 1.8  # an older log's key
    paths = plot_curves(train, val, str(tmp_path / 'out'))
    assert [osp.basename(p) for p in paths] == [
        'loss.png', 'miou_dice.png', 'accuracy.png'
    ]
    for path in paths:
        image = np.asarray(Image.open(path).convert('L'))
        assert image.shape == (400, 600)
        assert (image < 128).mean() > 0.01  # axes and lines were drawn


def test_a_run_without_validation_gets_only_its_loss_figure(tmp_path):
    train, val = read_epochs([write_log(tmp_path / 'run', [
        dict(epoch=1, iter=10, loss=2.0, lr=1e-3),
        dict(epoch=2, iter=20, loss=1.0, lr=1e-3),
    ])])
    assert sorted(train) == [1, 2] and not val
    paths = plot_curves(train, val, str(tmp_path / 'out'))
    assert [osp.basename(p) for p in paths] == ['loss.png']
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'loss.png']


def test_drawing_keeps_the_users_matplotlib_backend(tmp_path):
    """Both PNG writers (the curves, the test report's confusion matrix)
    draw without pyplot: a backend the user chose stays chosen."""
    before = matplotlib.get_backend()
    matplotlib.use('svg')
    try:
        train, _ = read_epochs([write_log(tmp_path / 'run', [
            dict(epoch=1, iter=10, loss=2.0, lr=1e-3)])])
        paths = plot_curves(train, {}, str(tmp_path / 'out'))
        plot_confusion(np.eye(2), ['a', 'b'], str(tmp_path / 'cm.png'))
        assert matplotlib.get_backend() == 'svg'
    finally:
        matplotlib.use(before)
    for path in paths + [str(tmp_path / 'cm.png')]:
        assert Image.open(path).format == 'PNG'


def test_missing_run_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nowhere'):
        find_scalar_files(str(tmp_path / 'nowhere'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match='is it a work dir'):
        find_scalar_files(str(tmp_path / 'empty'))
