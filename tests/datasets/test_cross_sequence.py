"""Cross-sequence folds: frames chosen by CamVid sequence, scored per
sequence."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import DATASETS, METRICS

from mmseg_fastscnn.datasets import sequence_of
from mmseg_fastscnn.utils import apply_fold, resolve_work_dir
from tests.utils import ROOT, write_png

PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]
FOLDS = {
    '0006R0': ('0001TP', '0016E5'),
    '0001TP': ('0006R0', '0016E5'),
}


def fold(root, held_out, role):
    return DATASETS.build(
        dict(type='CamVidCrossSequenceDataset', data_root=root,
             held_out=held_out, role=role, pipeline=PIPELINE))


def infos(dataset):
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def sequences(dataset):
    return sorted({sequence_of(d['img_path']) for d in infos(dataset)})


@pytest.mark.parametrize('held_out', sorted(FOLDS))
def test_real_folds_never_train_on_what_they_validate(camvid_root,
                                                      held_out):
    train, val = (fold(camvid_root, held_out, r) for r in ('train', 'val'))
    assert sequences(train) == sorted(FOLDS[held_out])
    assert sequences(val) == sorted({held_out, '0016E5'})
    train_files = {d['img_path'] for d in infos(train)}
    val_files = {d['img_path'] for d in infos(val)}
    assert not train_files & val_files
    names = {osp.basename(p) for p in train_files}
    assert not names & {osp.basename(p) for p in val_files}
    held = [p for p in val_files if sequence_of(p) == held_out]
    assert len(held) == {'0006R0': 101, '0001TP': 62}[held_out]
    assert all('/train/' in p for p in held)
    # the in-sequence part is exactly the val split
    inseq = [p for p in val_files if sequence_of(p) == '0016E5']
    assert len(inseq) == 101 and all('/val/' in p for p in inseq)
    assert len(train) == {'0006R0': 266, '0001TP': 305}[held_out]
    assert val[0]['gt_seg_map'].shape == (360, 480)


def _split(root, split, names):
    rng = np.random.default_rng(len(names))
    for name in names:
        write_png(osp.join(root, split, name + '.png'),
                  rng.integers(0, 255, (8, 8, 3), dtype=np.uint8))
        write_png(osp.join(root, split + 'annot', name + '.png'),
                  rng.integers(0, 12, (8, 8), dtype=np.uint8))


def test_fold_errors_name_the_problem(tmp_path):
    root = str(tmp_path)
    _split(root, 'train', ['AAA_1', 'AAA_2', 'BBB_1'])
    _split(root, 'val', ['AAA_3'])
    assert len(fold(root, 'BBB', 'train')) == 2
    assert len(fold(root, 'BBB', 'val')) == 2  # BBB_1 + val's AAA_3
    with pytest.raises(ValueError, match="'CCC' has no frames.*AAA, BBB"):
        fold(root, 'CCC', 'train')
    with pytest.raises(ValueError, match='role must be one of'):
        fold(root, 'BBB', 'test')
    with pytest.raises(ValueError, match='sets data_prefix itself'):
        DATASETS.build(
            dict(type='CamVidCrossSequenceDataset', data_root=root,
                 held_out='BBB', role='train', pipeline=PIPELINE,
                 data_prefix=dict(img_path='train',
                                  seg_map_path='trainannot')))
    _split(root, 'train2', ['AAA_9'])
    with pytest.raises(ValueError, match='leaves no train frames'):
        DATASETS.build(
            dict(type='CamVidCrossSequenceDataset', data_root=root,
                 held_out='AAA', role='train', pipeline=PIPELINE,
                 train_prefix=dict(img_path='train2',
                                   seg_map_path='train2annot')))


def test_dataset_sequences_filter(tmp_path):
    root = str(tmp_path)
    _split(root, 'train', ['AAA_1', 'AAA_2', 'BBB_1'])
    build = dict(type='CamVidDataset', data_root=root, pipeline=PIPELINE,
                 data_prefix=dict(img_path='train', seg_map_path='trainannot'))
    assert len(DATASETS.build(dict(build, sequences=['AAA']))) == 2
    assert len(DATASETS.build(dict(build, sequences='BBB'))) == 1
    with pytest.raises(ValueError, match=r"\['CCC'\] have no frames"):
        DATASETS.build(dict(build, sequences=['AAA', 'CCC']))


def _sample(path, pred, label):
    return dict(img_path=path,
                pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(label)[None]))


def test_metric_headline_is_the_held_out_sequence_and_each_is_reported():
    metric = METRICS.build(
        dict(type='SegReportMetric', headline_sequences='BBB',
             per_sequence=True))
    metric.dataset_meta = dict(classes=('a', 'b'))
    right = [[0, 1], [1, 1]]
    wrong = [[1, 0], [0, 0]]
    metric.process({}, [_sample('x/AAA_1.png', right, right),
                        _sample('x/BBB_1.png', wrong, right),
                        _sample('x/BBB_2.png', right, right)])
    out = metric.compute_metrics(metric.results)
    assert out['AAA_mIoU'] == 100.0 and out['AAA_aAcc'] == 100.0
    assert out['BBB_aAcc'] == pytest.approx(100 * 4 / 8)
    assert out['mIoU'] == pytest.approx(out['BBB_mIoU'], abs=0.01)
    assert out['aAcc'] == pytest.approx(out['BBB_aAcc'], abs=0.01)
    # by hand, BBB: class a tp 1 / (gt 2 + pred 4 - 1) = 0.2,
    # class b tp 3 / (gt 6 + pred 4 - 3) = 3/7
    assert out['BBB_mIoU'] == pytest.approx(100 * (0.2 + 3 / 7) / 2,
                                            abs=0.01)
    metric.headline_sequences = ('CCC', )
    with pytest.raises(ValueError, match=r"\['CCC'\] are not among"):
        metric.compute_metrics(metric.results)


@pytest.mark.parametrize('held_out', sorted(FOLDS))
def test_fold_configs_select_on_the_held_out_sequence(held_out):
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'cross_sequence',
                 f'fastscnn_camvid_fold-{held_out}.py'))
    assert cfg.train_dataloader.dataset.role == 'train'
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        assert loader.dataset.held_out == held_out
        assert loader.dataset.role == 'val'
    for evaluator in (cfg.val_evaluator, cfg.test_evaluator):
        assert evaluator.headline_sequences == held_out
    main = Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'))
    # the recipe itself is the main config's
    assert cfg.model == main.model
    assert cfg.param_scheduler == main.param_scheduler
    assert (cfg.train_dataloader.dataset.pipeline ==
            main.train_dataloader.dataset.pipeline)
    assert (cfg.test_dataloader.dataset.pipeline ==
            main.test_dataloader.dataset.pipeline)


def test_fold_training_never_gets_a_batch_of_one(camvid_root):
    """305 train frames at batch 8 leave one frame over, and a batch of one
    stops training in the PPM's BatchNorm (its pooled map is 1x1)."""
    from mmengine.runner import Runner
    cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'cross_sequence',
                 'fastscnn_camvid_fold-0001TP.py'))
    loader_cfg = dict(cfg.train_dataloader, num_workers=0,
                      persistent_workers=False)
    loader_cfg['dataset'] = dict(loader_cfg['dataset'], data_root=camvid_root)
    loader = Runner.build_dataloader(loader_cfg, seed=0)
    assert len(loader.dataset) == 305
    sizes = [len(batch) for batch in loader.batch_sampler]
    assert sizes == [8] * 38


@pytest.mark.parametrize('held_out', sorted(FOLDS))
def test_fold_option_is_the_fold_config(held_out):
    """``--fold SEQ`` on the main config gives the fold config's data and
    evaluators, so any config (an ablation) can run on the folds."""
    main = apply_fold(
        Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py')),
        held_out)
    fold_cfg = Config.fromfile(
        osp.join(ROOT, 'configs', 'cross_sequence',
                 f'fastscnn_camvid_fold-{held_out}.py'))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader',
                'val_evaluator', 'test_evaluator', 'model'):
        assert main[key].to_dict() == fold_cfg[key].to_dict(), key


def test_fold_option_on_an_ablation_reads_the_fold(camvid_root):
    cfg = apply_fold(
        Config.fromfile(
            osp.join(ROOT, 'configs', 'ablations',
                     'fastscnn_no-ppm_1xb8-150e_camvid-360x480.py')),
        '0006R0')
    assert cfg.model.backbone.use_ppm is False  # the ablation is kept
    train, val = (DATASETS.build(
        dict(cfg[name].dataset, data_root=camvid_root))
                  for name in ('train_dataloader', 'val_dataloader'))
    assert sequences(train) == ['0001TP', '0016E5'] and len(train) == 266
    assert sequences(val) == ['0006R0', '0016E5'] and len(val) == 202


def test_fold_option_refuses_what_it_cannot_fold():
    trainval = osp.join(ROOT, 'configs', 'fastscnn_camvid_trainval.py')
    # train + val: two CamVid datasets in one ConcatDataset, each named
    with pytest.raises(ValueError,
                       match=r"one CamVidDataset in train_dataloader.dataset "
                       r".*datasets\.0: 'CamVidDataset', .*datasets\.1: "):
        apply_fold(Config.fromfile(trainval), '0006R0')
    main = osp.join(ROOT, 'configs', 'fastscnn_camvid.py')
    with pytest.raises(ValueError, match='one CamVid sequence name'):
        apply_fold(Config.fromfile(main), '../0006R0')


def test_fold_runs_get_a_work_dir_of_their_own():
    cfg = Config(dict(work_dir=None))
    assert resolve_work_dir(cfg, None, 'configs/x.py', fold='0006R0') == \
        osp.join('./work_dirs', 'x_fold-0006R0')
    cfg = Config(dict(work_dir=None))
    assert resolve_work_dir(cfg, None, 'configs/x.py') == \
        osp.join('./work_dirs', 'x')
