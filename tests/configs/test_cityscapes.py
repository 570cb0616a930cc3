"""The Cityscapes config trains and validates on mmseg's stock
CityscapesDataset: a tiny tree in the Cityscapes layout, tools/train.py for
a few iterations, one validation."""
import json
import math
import os.path as osp

import numpy as np
from mmengine.config import Config

from tests.utils import ROOT, run, run_folder, write_png

CONFIG = osp.join(ROOT, 'configs', 'cityscapes',
                  'fastscnn_paper_1xb12-248k_cityscapes-1024x1024.py')


def make_cityscapes(root, h: int = 64, w: int = 128, seed: int = 0) -> str:
    """leftImg8bit/<split>/<city>/<name>_leftImg8bit.png and
    gtFine/<split>/<city>/<name>_gtFine_labelTrainIds.png, labels 0..18
    and 255 (ignored)."""
    rng = np.random.default_rng(seed)
    for split, cities in (('train', ('aachen', 'bremen')), ('val',
                                                           ('lindau', ))):
        for city in cities:
            for i in range(2):
                name = f'{city}_{i:06d}_000019'
                write_png(
                    osp.join(root, 'leftImg8bit', split, city,
                             f'{name}_leftImg8bit.png'),
                    rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
                label = rng.integers(0, 19, (h, w), dtype=np.uint8)
                label[:4] = 255
                write_png(
                    osp.join(root, 'gtFine', split, city,
                             f'{name}_gtFine_labelTrainIds.png'), label)
    return str(root)


def test_config_is_the_papers_recipe():
    cfg = Config.fromfile(CONFIG)
    assert cfg.default_scope == 'mmseg'
    assert 'mmseg_fastscnn' in cfg.custom_imports['imports']
    assert cfg.train_dataloader.dataset.type == 'CityscapesDataset'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == 'data/cityscapes'
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.045, 0.9, 4e-5)
    assert cfg.optim_wrapper.paramwise_cfg.dwconv_decay_mult == 0.0
    poly, = cfg.param_scheduler
    assert poly.type == 'PolyLR' and poly.power == 0.9
    # 1,000 epochs of the 2,975 train images at batch 12
    iters = cfg.train_cfg.max_iters
    assert cfg.train_dataloader.batch_size == 12
    assert iters * 12 / 2975 >= 1000 > (iters - 1000) * 12 / 2975
    assert cfg.model.decode_head.num_classes == 19
    aux = cfg.model.auxiliary_head
    assert [(a.type, a.in_index, a.loss_decode.loss_weight) for a in aux] == [
        ('FCNHead', 0, 0.4), ('FCNHead', 1, 0.4)
    ]
    resize = cfg.train_dataloader.dataset.pipeline[2]
    assert resize.ratio_range == (0.5, 2.0)
    # evaluated at full resolution
    test_resize = [t for t in cfg.test_dataloader.dataset.pipeline
                   if t['type'] == 'Resize'][0]
    assert test_resize.scale == (2048, 1024)


def test_trains_and_validates_on_a_tiny_cityscapes(tmp_path):
    data = make_cityscapes(tmp_path / 'cityscapes')
    work_dir = tmp_path / 'work'
    options = [
        f'data_root={data}',
        'train_dataloader.batch_size=2',
        'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
        # 64x128 frames: scale 0.5-2.0 of 128x64, 64x64 crops, validated at
        # the frames' own size
        'train_dataloader.dataset.pipeline.2.scale=(128,64)',
        'train_dataloader.dataset.pipeline.3.crop_size=(64,64)',
        'model.data_preprocessor.size=(64,64)',
        'val_dataloader.dataset.pipeline.1.scale=(128,64)',
        'train_cfg.max_iters=3',
        'train_cfg.val_interval=3',
        'default_hooks.checkpoint.interval=3',
        'default_hooks.logger.interval=1',
    ]
    run('tools/train.py', CONFIG, '--work-dir', str(work_dir),
        '--cfg-options', *options, timeout=120)
    path = osp.join(run_folder(work_dir), 'vis_data', 'scalars.json')
    records = [json.loads(line) for line in open(path)]
    train = [r for r in records if 'iter' in r]
    assert [r['iter'] for r in train] == [1, 2, 3]
    # the poly schedule ends with the run (no end in the config)
    assert train[0]['lr'] == 0.045 > train[1]['lr'] > train[2]['lr']
    for record in train:
        for key in ('loss', 'decode.loss_ce', 'aux_0.loss_ce',
                    'aux_1.loss_ce'):
            assert math.isfinite(record[key]), (key, record)
    val = [r for r in records if 'mIoU' in r]
    assert len(val) == 1 and 0 <= val[0]['mIoU'] <= 100
    assert osp.isfile(osp.join(work_dir, 'iter_3.pth'))
