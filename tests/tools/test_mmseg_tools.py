"""mmseg's own tools (``mmseg/.mim/tools``) on our configs: the stock
Runner, stock hooks, and the data root from ``CAMVID_ROOT`` (mmseg's tools
do not know our ``data_root`` option)."""
import glob
import json
import os
import os.path as osp

import mmseg
import pytest
import torch

from tests.utils import (CONFIG, FAST, SHIPPED, TEST_ON_VAL,
                         link_camvid_subset, run_tool)

MMSEG_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')

# mmseg's configs/_base_/default_runtime.py hooks, nothing of ours
STOCK_HOOKS = '''
default_hooks = dict(
    _delete_=True,
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=1, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = []
'''


def mmseg_tool(name: str) -> str:
    script = osp.join(MMSEG_TOOLS, name)
    if not osp.isfile(script):
        pytest.skip(f'mmseg\'s {name} is not installed ({script})')
    return script


def test_mmseg_test_tool_with_stock_runner_and_hooks(camvid_root, tmp_path):
    """mmseg's tools/test.py, a config whose runner and default_hooks are
    mmseg's, on the shipped checkpoint (mmengine's own weights-only
    loader): the model zoo's numbers come out of the stock path."""
    if not osp.isfile(SHIPPED):
        pytest.skip(f'no shipped checkpoint at {SHIPPED}')
    root = link_camvid_subset(tmp_path / 'camvid', camvid_root, {'val': 2})
    config = tmp_path / 'stock_hooks.py'
    config.write_text(f'_base_ = [{CONFIG!r}]\n{STOCK_HOOKS}')
    proc = run_tool(mmseg_tool('test.py'), str(config), SHIPPED,
                    '--work-dir', str(tmp_path / 'work'), '--cfg-options',
                    *FAST, *TEST_ON_VAL, CAMVID_ROOT=root)
    log = proc.stdout + proc.stderr
    assert 'mIoU' in log and 'Traceback' not in log, log[-3000:]
    [scores] = glob.glob(str(tmp_path / 'work' / '*' / '*.json'))
    metrics = json.load(open(scores))
    assert 0 <= metrics['mIoU'] <= 100 and metrics['aAcc'] > 50, metrics


def test_mmseg_train_tool_on_our_config(camvid_root, tmp_path):
    """mmseg's tools/train.py on the main config (our hooks under the stock
    Runner): weights-only checkpoints, and the validation loss under its
    own key (``val_loss``), apart from the training ``loss`` that mmseg's
    analyze_logs.py plots."""
    root = link_camvid_subset(tmp_path / 'camvid', camvid_root,
                              {'train': 4, 'val': 1})
    work = tmp_path / 'work'
    run_tool(mmseg_tool('train.py'), CONFIG, '--work-dir', str(work),
             '--cfg-options', *FAST, 'train_cfg.max_epochs=1',
             'train_dataloader.batch_size=2', CAMVID_ROOT=root)
    checkpoint = torch.load(str(work / 'epoch_1.pth'), weights_only=True)
    assert checkpoint['meta']['epoch'] == 1
    [scalars] = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    records = [json.loads(line) for line in open(scalars)]
    val = [r for r in records if 'mIoU' in r]
    train = [r for r in records if 'lr' in r]
    assert val and all('val_loss' in r and 'loss' not in r for r in val)
    assert train and all('val_loss' not in r for r in train)
    assert not os.path.exists(work / 'early_stopped.json')


def test_optim_wrapper_takes_the_stock_type_mmseg_amp_needs():
    """mmseg's ``train.py --amp`` turns an ``OptimWrapper`` into mmengine's
    ``AmpOptimWrapper`` and refuses any other type: the config's wrapper
    has only keys the stock wrappers take, so
    ``--cfg-options optim_wrapper.type=OptimWrapper`` builds one."""
    from mmengine.config import Config
    from mmengine.optim import OptimWrapper, build_optim_wrapper

    import mmseg_fastscnn  # noqa: F401
    cfg = Config.fromfile(CONFIG)
    assert cfg.optim_wrapper.type == 'BF16OptimWrapper'
    model = torch.nn.Conv2d(3, 4, 3)
    wrapper = build_optim_wrapper(model, dict(cfg.optim_wrapper,
                                              type='OptimWrapper'))
    assert type(wrapper) is OptimWrapper
    assert wrapper.clip_grad_kwargs == dict(max_norm=1.0, norm_type=2)
