"""Every config builds; --cfg-options keys are checked."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_fastscnn.utils import ConfigKeyError, apply_cfg_options
from tests.utils import ROOT

CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'),
                         recursive=True) if '_base_' not in p)


def test_found_configs():
    assert len(CONFIGS) > 0


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_builds_model(path):
    cfg = Config.fromfile(path)
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_fastscnn' in cfg.custom_imports['imports']
    model = MODELS.build(cfg.model)
    n = sum(p.numel() for p in model.backbone.parameters()) + sum(
        p.numel() for p in model.decode_head.parameters())
    assert 500_000 < n < 1_200_000


def _loss_files(node):
    """Every class-weight / alpha value of a config tree that is a path."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ('class_weight', 'alpha') and isinstance(value, str):
                yield value
            else:
                yield from _loss_files(value)
    elif isinstance(node, (list, tuple)):
        for value in node:
            yield from _loss_files(value)


def test_class_stats_found_from_any_working_dir(tmp_path, monkeypatch):
    """Class-weight JSONs are named relative to the config file, so a config
    run from elsewhere (or installed without -e) still finds them."""
    monkeypatch.chdir(tmp_path)
    weighted = set()
    for path in CONFIGS:
        for name in _loss_files(Config.fromfile(path).model.to_dict()):
            assert osp.isabs(name) and osp.isfile(name), (path, name)
            weighted.add(osp.basename(path))
    # stage 1 and everything built on it weigh the CE by class
    assert {
        'fastscnn_camvid.py', 'fastscnn_focal-ce_1xb8-150e_camvid-360x480.py',
        'fastscnn_lovasz-ft-ce-weighted_1xb8-40e_camvid-360x480.py'
    } <= weighted


def test_cfg_options_checked_and_data_root_propagated():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'))
    apply_cfg_options(
        cfg, {
            'data_root': '/data/cv',
            'train_dataloader.batch_size': 2,
            'model.decode_head.dropout_ratio': 0.2,
            'optim_wrapper.accumulative_counts': 2,  # new but plausible
            'train_dataloader.dataset.pipeline.4.prob': 0.25,
        })
    assert cfg.train_dataloader.batch_size == 2
    assert cfg.model.decode_head.dropout_ratio == 0.2
    assert cfg.optim_wrapper.accumulative_counts == 2
    flip = cfg.train_dataloader.dataset.pipeline[4]
    assert flip.type == 'RandomFlip' and flip.prob == 0.25
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == '/data/cv'
    for bad in ('trian_dataloader.batch_size', 'train_dataloader.batchsize',
                'train_dataloader.dataset.pipeline.99.prob',
                'model.backbone.nothing.here'):
        with pytest.raises(ConfigKeyError, match='unknown config key'):
            apply_cfg_options(cfg, {bad: 1})
    # a variable of the config file would silently change nothing
    with pytest.raises(ConfigKeyError, match='train_cfg.max_epochs'):
        apply_cfg_options(cfg, {'max_epochs': 300})
    # Runner keys the config leaves out are welcome (README suggests this)
    apply_cfg_options(cfg, {'auto_scale_lr.enable': True,
                            'auto_scale_lr.base_batch_size': 8})
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=8)


def test_runner_keys_the_tools_pass_on(tmp_path):
    """Keys mmengine's Runner reads from the whole config are accepted by
    the config train and test load; a near-miss is named."""
    from mmseg_fastscnn.apis import load_tool_config
    options = {'compile': False, 'find_unused_parameters': False,
               'model_wrapper_cfg': dict(type='MMDistributedDataParallel'),
               'efficient_conv_bn_eval': ['backbone'], 'sync_bn': 'torch'}
    cfg = load_tool_config(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'),
                           cfg_options=options, work_dir=str(tmp_path))
    assert cfg.compile is False and cfg.find_unused_parameters is False
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    assert cfg.sync_bn == 'torch'
    with pytest.raises(ConfigKeyError, match='did you mean compile'):
        load_tool_config(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'),
                         cfg_options={'compiel': False})


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_config_pipelines_build(path):
    from mmseg.registry import TRANSFORMS
    cfg = Config.fromfile(path)

    def datasets(loader):  # a ConcatDataset's parts, or the one dataset
        if loader is None:  # the train + val configs do not validate
            return []
        return loader.dataset.get('datasets', [loader.dataset])

    train = datasets(cfg.train_dataloader)
    pipelines = [d.pipeline for d in train] + [
        d.pipeline for loader in (cfg.val_dataloader, cfg.test_dataloader)
        for d in datasets(loader)
    ] + [cfg.tta_pipeline]
    for pipeline in pipelines:
        for step in pipeline:
            assert TRANSFORMS.build(step) is not None
    # the crops the model is trained on fit its preprocessor's padding size
    for dataset in train:
        crop = [t for t in dataset.pipeline
                if t['type'] == 'RandomCrop'][0]['crop_size']
        assert tuple(cfg.model.data_preprocessor.size) == tuple(crop)


def _resize(pipeline):
    return [t for t in pipeline if t['type'] == 'Resize'][0]['scale']


def test_models_are_tested_and_selected_at_the_deployed_size():
    """tools/test.py and the deploy tools run the network at the config's
    test size: CamVid's 360x480 for the main config, 540x720 for the 1.5x
    ablations; every stage-2 config selects its checkpoint at that size."""
    main = Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'))
    assert _resize(main.val_dataloader.dataset.pipeline) == (480, 360)
    assert _resize(main.test_dataloader.dataset.pipeline) == (480, 360)
    # inference_model reads cfg.test_pipeline, tools/test.py the dataloader
    assert main.test_pipeline == main.test_dataloader.dataset.pipeline
    scaled = Config.fromfile(
        osp.join(ROOT, 'configs', 'ablations',
                 'fastscnn_scale1.5x_1xb8-150e_camvid-360x480.py'))
    assert _resize(scaled.test_pipeline) == (720, 540)
    assert scaled.val_dataloader.dataset.pipeline == scaled.test_pipeline
    stage2 = [p for p in CONFIGS if 'lovasz-ft' in osp.basename(p)]
    assert len(stage2) >= 2
    for path in stage2:
        cfg = Config.fromfile(path)
        deployed = scaled if 'scale1.5x' in path else main
        assert (cfg.test_dataloader.dataset.pipeline == cfg.test_pipeline ==
                deployed.test_pipeline), path
        if cfg.val_dataloader is None:  # train + val: nothing validated
            continue
        # validation: the test pipeline with frames decoded once
        once = {'LoadImageFromFileOnce': 'LoadImageFromFile',
                'LoadAnnotationsOnce': 'LoadAnnotations'}
        val = [dict(t, type=once.get(t['type'], t['type']))
               for t in cfg.val_dataloader.dataset.pipeline]
        assert val == cfg.test_pipeline, path
