"""tools/analysis/benchmark_epoch.py (mmseg_fastscnn.cli.benchmark_epoch):
whole epochs of the fast path against the float32 path, in one run. No
assertion is on a time itself."""
import json
import os.path as osp

import pytest
from mmengine.config import Config

from mmseg_fastscnn.cli import benchmark_epoch
from tests.utils import CONFIG, ROOT, SMALL, link_camvid_subset

LOVASZ = osp.join(ROOT, 'configs', 'fastscnn_camvid_lovasz-ft.py')


def test_float32_path_is_the_path_before_the_fast_one():
    fast = Config.fromfile(CONFIG)
    old = benchmark_epoch.float32_path(fast)
    assert old.optim_wrapper.to_dict() == dict(
        type='OptimWrapper', optimizer=fast.optim_wrapper.optimizer,
        clip_grad=fast.optim_wrapper.clip_grad)
    assert old.default_hooks.channels_last.enabled is False
    assert old.val_cfg == dict(type='ValLoop')
    assert old.model.decode_head.train_acc_stride == 1
    assert old.model.decode_head.fused_upsample_loss is False
    assert (old.val_dataloader.batch_size, fast.val_dataloader.batch_size,
            old.train_dataloader.batch_size) == (1, 8, 8)
    for key in ('train_dataloader', 'val_dataloader'):
        loader = old[key]
        assert (loader.num_workers, loader.persistent_workers) == (2, True)
        assert [t['type'] for t in loader.dataset.pipeline[:2]] == [
            'LoadImageFromFile', 'LoadAnnotations'
        ] if key == 'train_dataloader' else [t['type'] for t in
                                            loader.dataset.pipeline] == [
            'LoadImageFromFile', 'Resize', 'LoadAnnotations', 'PackSegInputs']
    stage2 = benchmark_epoch.float32_path(Config.fromfile(LOVASZ))
    assert stage2.model.decode_head.loss_decode[1] == dict(
        type='LovaszLoss', loss_type='multi_class', per_image=False,
        reduction='none', classes='present', loss_weight=1.0)
    # the fast config itself is left as it was
    assert fast.optim_wrapper.type == 'BF16OptimWrapper'
    assert fast.train_dataloader.dataset.pipeline[0].type == \
        'LoadImageFromFileOnce'


def test_both_paths_take_turns_and_report_ratios(tmp_path_factory,
                                                 camvid_root, tmp_path):
    root = link_camvid_subset(tmp_path_factory.mktemp('camvid'), camvid_root,
                              {'train': 4, 'val': 2})
    out = tmp_path / 'epoch.json'
    report = benchmark_epoch.main([
        CONFIG, '--epochs', '1', '--repeats', '1', '--threads', '1',
        '--json', str(out), '--cfg-options', f'data_root={root}', *SMALL
    ])
    assert list(report['stats']) == ['float32', 'fast']
    for stats in report['stats'].values():
        assert stats['turns'] == 1
        assert stats['epoch_s'] == pytest.approx(
            stats['train_s'] + stats['val_s'], abs=0.02)
    assert report['speedup']['epoch'] == round(
        report['stats']['float32']['epoch_s'] /
        report['stats']['fast']['epoch_s'], 2)
    assert json.loads(out.read_text()) == report
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epoch.json']


@pytest.mark.parametrize('args, error, match', [
    (['missing.py'], FileNotFoundError, 'config not found: missing.py'),
    ([CONFIG, '--epochs', '0'], ValueError, '--epochs must be >= 1, got 0'),
])
def test_bad_arguments_named(args, error, match):
    with pytest.raises(error, match=match):
        benchmark_epoch.main(args)
