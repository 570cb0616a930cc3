"""RandomClassPaste: the chosen classes' pixels of another frame, pasted at
the same place, image and labels; in mmseg's MultiImageMixDataset, with
--fold, on the real CamVid."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmseg.registry import DATASETS, MODELS, TRANSFORMS

from mmseg_fastscnn.apis.preflight import check_datasets
from mmseg_fastscnn.datasets import CAMVID_CLASSES
from mmseg_fastscnn.utils.config_utils import apply_fold
from tests.utils import ROOT

PASTE = osp.join(ROOT, 'configs', 'ablations',
                 'fastscnn_class-paste_1xb8-150e_camvid-360x480.py')
POLE, BUILDING, SIGN = 2, 1, 6


def frame(value, labels):
    """An (H, W, 3) image of one colour and its (H, W) labels."""
    labels = np.asarray(labels, dtype=np.uint8)
    img = np.full(labels.shape + (3, ), value, dtype=np.uint8)
    return dict(img=img, gt_seg_map=labels, seg_fields=['gt_seg_map'])


def source_frame(h=6, w=8, pole=slice(5, 6)):
    """Building on the left half, a pole in columns ``pole``, a sign at
    (1, 6), void (255) in the bottom row."""
    labels = np.full((h, w), 3, dtype=np.uint8)
    labels[:, :w // 2] = BUILDING
    labels[:, pole] = POLE
    labels[1, 6] = SIGN
    labels[-1] = 255
    source = frame(0, labels)
    source['img'][..., 0] = np.arange(w, dtype=np.uint8) * 10 + 100
    return source


def with_other(target, source):
    return dict(target, mix_results=[source])


def test_pastes_the_chosen_classes_only_at_their_place():
    source = source_frame()
    target = frame(7, np.zeros((6, 8)))
    out = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[POLE, SIGN],
             prob=1.0))(with_other(target, source))
    chosen = np.isin(source['gt_seg_map'], [POLE, SIGN])
    assert chosen.sum() == 5 + 1  # the pole above the void row, the sign
    np.testing.assert_array_equal(out['gt_seg_map'][chosen],
                                  source['gt_seg_map'][chosen])
    np.testing.assert_array_equal(out['img'][chosen], source['img'][chosen])
    # everything else (the building, the road, the void) is the target's
    assert (out['gt_seg_map'][~chosen] == 0).all()
    assert (out['img'][~chosen] == 7).all()
    # the source frame is not changed
    assert (source['img'][..., 1] == 0).all()


def test_prob_is_the_share_of_frames_pasted():
    paste = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[POLE], prob=0.5))
    source = source_frame()
    pasted = sum(
        bool((paste(with_other(frame(7, np.zeros((6, 8))), source))
              ['gt_seg_map'] == POLE).any()) for _ in range(400))
    assert 160 < pasted < 240, pasted  # 200 expected, 5 sd is 50
    never = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[POLE], prob=0.0))
    out = never(with_other(frame(7, np.zeros((6, 8))), source))
    assert (out['gt_seg_map'] == 0).all() and (out['img'] == 7).all()


def test_a_source_of_another_size_is_fitted_without_new_labels():
    # twice the target's size, a pole two columns wide
    source = source_frame(12, 16, pole=slice(10, 12))
    target = frame(7, np.zeros((6, 8)))
    out = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[POLE],
             prob=1.0))(with_other(target, source))
    assert out['img'].shape == (6, 8, 3) and out['gt_seg_map'].shape == (6,
                                                                          8)
    assert set(np.unique(out['gt_seg_map'])) == {0, POLE}
    # the pole (columns 10-11 of 16) lands in column 5 of 8, above the
    # source's void row
    assert (out['gt_seg_map'][:5, 5] == POLE).all()
    assert (out['gt_seg_map'][:, [0, 1, 2, 3, 4, 6, 7]] == 0).all()


def test_other_seg_fields_take_the_sources_same_field():
    source = source_frame()
    source['gt_edge_map'] = np.full((6, 8), 9, dtype=np.uint8)
    source['seg_fields'] = ['gt_seg_map', 'gt_edge_map']
    target = frame(7, np.zeros((6, 8)))
    target['gt_edge_map'] = np.zeros((6, 8), dtype=np.uint8)
    target['seg_fields'] = ['gt_seg_map', 'gt_edge_map']
    paste = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[POLE], prob=1.0))
    out = paste(with_other(target, source))
    pole = source['gt_seg_map'] == POLE
    assert (out['gt_edge_map'][pole] == 9).all()
    assert (out['gt_edge_map'][~pole] == 0).all()
    del source['gt_edge_map']
    target['gt_edge_map'] = np.zeros((6, 8), dtype=np.uint8)
    with pytest.raises(KeyError, match="no 'gt_edge_map' to paste"):
        paste(with_other(target, source))


def test_a_source_without_the_classes_changes_nothing():
    target = frame(7, np.zeros((6, 8)))
    out = TRANSFORMS.build(
        dict(type='RandomClassPaste', class_ids=[9, 10], prob=1.0))(
            with_other(target, source_frame()))
    assert (out['gt_seg_map'] == 0).all() and (out['img'] == 7).all()


@pytest.mark.parametrize('class_ids', [[], 'Pole', [-1], [True], [2.0]])
def test_bad_class_ids_are_refused(class_ids):
    with pytest.raises(ValueError, match='class_ids must be'):
        TRANSFORMS.build(dict(type='RandomClassPaste', class_ids=class_ids))


def test_bad_prob_is_refused():
    with pytest.raises(ValueError, match=r'prob must be in \[0, 1\]'):
        TRANSFORMS.build(dict(type='RandomClassPaste', class_ids=[2],
                              prob=1.5))


def test_outside_a_mixing_dataset_it_says_where_it_belongs():
    paste = TRANSFORMS.build(dict(type='RandomClassPaste', class_ids=[2]))
    with pytest.raises(KeyError, match='MultiImageMixDataset'):
        paste(frame(7, np.zeros((6, 8))))


def test_the_ablation_on_a_camvid_fold(camvid_root):
    """--fold reaches the dataset inside MultiImageMixDataset; a pasted frame
    carries the drawn frame's small-class pixels at their place; the
    loader's batches train the model."""
    cfg = apply_fold(Config.fromfile(PASTE), '0006R0')
    inner = cfg.train_dataloader.dataset.dataset
    assert inner.type == 'CamVidCrossSequenceDataset'
    assert inner.role == 'train' and inner.held_out == '0006R0'
    inner.data_root = camvid_root
    small = cfg.small_classes
    assert [CAMVID_CLASSES[i] for i in small] == [
        'Pole', 'SignSymbol', 'Fence', 'Pedestrian', 'Bicyclist'
    ]
    check_datasets(cfg, ['train_dataloader'])  # preflight sees through
    init_default_scope('mmseg')

    # the paste alone, so that its output can be compared with the frames
    mixed = DATASETS.build(
        dict(cfg.train_dataloader.dataset,
             pipeline=[dict(type='RandomClassPaste', class_ids=small,
                            prob=1.0)]))
    frames = mixed.dataset
    assert len(mixed) == 266  # 0001TP 62 + 0016E5 204
    np.random.seed(3)
    drawn = np.random.randint(0, len(frames))
    np.random.seed(3)
    out = mixed[0]
    target, source = frames[0], frames[drawn]
    pasted = np.isin(source['gt_seg_map'], small)
    assert pasted.sum() > 0
    np.testing.assert_array_equal(out['gt_seg_map'][pasted],
                                  source['gt_seg_map'][pasted])
    np.testing.assert_array_equal(out['img'][pasted], source['img'][pasted])
    np.testing.assert_array_equal(out['img'][~pasted], target['img'][~pasted])

    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(batch, True)
    assert data['inputs'].shape == (8, 3, 360, 480)
    losses = model.loss(data['inputs'], data['data_samples'])
    assert torch.isfinite(losses['decode.loss_ce'])
