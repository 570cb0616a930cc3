"""Losses against torch's reference implementations."""
import json

import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS


def batch(seed=0, n=2, k=5, h=7, w=9):
    g = torch.Generator().manual_seed(seed)
    pred = torch.randn(n, k, h, w, generator=g)
    target = torch.randint(0, k, (n, h, w), generator=g)
    target[0, :3, :4] = 255  # ignored pixels
    target[1, -1, :] = 255
    return pred, target


WEIGHTS = [0.2, 1.0, 3.0, 0.5, 2.0]


def test_weighted_ce_matches_torch_with_ignored_pixels():
    pred, target = batch()
    loss = MODELS.build(
        dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS))
    expected = F.cross_entropy(
        pred, target, weight=torch.tensor(WEIGHTS), ignore_index=255)
    torch.testing.assert_close(loss(pred, target, ignore_index=255), expected)


def test_mmseg_ce_fails_where_ours_works():
    """The toolbox bug this loss exists for (mmseg 1.2.2)."""
    pred, target = batch()
    theirs = MODELS.build(
        dict(type='CrossEntropyLoss', class_weight=WEIGHTS))
    with pytest.raises(IndexError):
        theirs(pred, target, ignore_index=255)
    ours = MODELS.build(
        dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS))
    value = ours(pred, target, ignore_index=255)
    assert torch.isfinite(value) and value > 0


def test_label_smoothing_matches_torch():
    pred, target = batch(1)
    loss = MODELS.build(
        dict(
            type='SoftmaxCrossEntropyLoss',
            class_weight=WEIGHTS,
            label_smoothing=0.1))
    expected = F.cross_entropy(
        pred,
        target,
        weight=torch.tensor(WEIGHTS),
        ignore_index=255,
        label_smoothing=0.1)
    torch.testing.assert_close(loss(pred, target), expected)


@pytest.mark.parametrize('alpha', [None, WEIGHTS])
def test_focal_with_gamma_zero_equals_ce(alpha):
    pred, target = batch(2)
    focal = MODELS.build(dict(type='SoftmaxFocalLoss', gamma=0.0,
                              alpha=alpha))
    weight = None if alpha is None else torch.tensor(alpha)
    expected = F.cross_entropy(pred, target, weight=weight, ignore_index=255)
    torch.testing.assert_close(focal(pred, target), expected)


def test_focal_honours_pixel_weights_of_a_sampler():
    """A 0/1 pixel weight (what mmseg's OHEMPixelSampler hands the loss)
    keeps only those pixels: with gamma 0, CE over the kept pixels."""
    pred, target = batch(4)
    keep = (torch.arange(target.numel()) % 3 == 0).view_as(target)
    focal = MODELS.build(dict(type='SoftmaxFocalLoss', gamma=0.0,
                              alpha=WEIGHTS))
    dropped = torch.where(keep, target, torch.full_like(target, 255))
    expected = F.cross_entropy(pred, dropped, weight=torch.tensor(WEIGHTS),
                               ignore_index=255)
    torch.testing.assert_close(
        focal(pred, target, weight=keep.float()), expected)
    assert not torch.allclose(focal(pred, target), expected)


def test_focal_downweights_easy_pixels():
    pred, target = batch(3)
    ce = F.cross_entropy(pred, target, ignore_index=255, reduction='none')
    focal = MODELS.build(dict(type='SoftmaxFocalLoss', gamma=2.0))
    value = focal(pred, target)
    valid = target != 255
    pt = torch.exp(-ce[valid])
    torch.testing.assert_close(value, ((1 - pt)**2 * ce[valid]).mean())
    assert value < ce[valid].mean()


def test_focal_plus_ce_are_summed_by_the_head():
    head = MODELS.build(
        dict(
            type='FastSCNNClassifierHead',
            in_channels=8,
            channels=8,
            num_classes=5,
            norm_cfg=dict(type='BN'),
            loss_decode=[
                dict(type='SoftmaxCrossEntropyLoss'),
                dict(type='SoftmaxFocalLoss', gamma=2.0)
            ]))
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    pred, target = batch(4, k=5, h=8, w=8)
    samples = []
    for t in target:
        s = SegDataSample()
        s.gt_sem_seg = PixelData(data=t[None])
        samples.append(s)
    losses = head.loss_by_feat(pred, samples)
    assert set(losses) == {'loss_ce', 'loss_focal', 'acc_seg'}
    torch.testing.assert_close(
        losses['loss_ce'], F.cross_entropy(pred, target, ignore_index=255))
    focal = MODELS.build(dict(type='SoftmaxFocalLoss', gamma=2.0))
    torch.testing.assert_close(losses['loss_focal'],
                               focal(pred, target, ignore_index=255))
    assert 0 < losses['loss_focal'] < losses['loss_ce']  # easy pixels damped


def test_all_ignored_gives_zero_not_nan():
    pred, target = batch()
    target[:] = 255
    for cfg in (dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS),
                dict(type='SoftmaxFocalLoss')):
        value = MODELS.build(cfg)(pred.requires_grad_(), target)
        assert float(value) == 0.0
        value.backward()


def test_class_weight_from_stats_json(tmp_path):
    path = tmp_path / 'stats.json'
    path.write_text(json.dumps(dict(weights=dict(enet=WEIGHTS))))
    loss = MODELS.build(
        dict(type='SoftmaxCrossEntropyLoss', class_weight=str(path)))
    assert loss.class_weight.tolist() == pytest.approx(WEIGHTS)
    with pytest.raises(KeyError, match='median'):
        MODELS.build(
            dict(
                type='SoftmaxCrossEntropyLoss',
                class_weight=str(path),
                class_weight_scheme='median'))


def test_wrong_class_weight_length_names_the_key():
    pred, target = batch()
    loss = MODELS.build(
        dict(type='SoftmaxCrossEntropyLoss', class_weight=[1.0, 2.0]))
    with pytest.raises(ValueError, match='class_weight has 2 entries'):
        loss(pred, target)


@pytest.mark.parametrize('cfg', [
    dict(type='SoftmaxCrossEntropyLoss', label_smoothing=1.0),
    dict(type='SoftmaxCrossEntropyLoss', class_weight=[1.0, -1.0]),
    dict(type='SoftmaxCrossEntropyLoss', loss_name='ce'),
    dict(type='SoftmaxFocalLoss', gamma=-1.0),
])
def test_bad_loss_config_is_refused(cfg):
    with pytest.raises(ValueError):
        MODELS.build(cfg)


def test_soft_target_kl_matches_torch_kl_div_on_labelled_pixels():
    pred, target = batch()
    g = torch.Generator().manual_seed(1)
    teacher = torch.randn(pred.shape, generator=g).softmax(dim=1)
    loss = MODELS.build(dict(type='SoftTargetKLLoss', loss_weight=3.0))
    valid = target != 255
    per_pixel = F.kl_div(
        F.log_softmax(pred, dim=1), teacher, reduction='none').sum(dim=1)
    expected = 3.0 * per_pixel[valid].mean()
    torch.testing.assert_close(loss(pred, teacher, valid), expected)
    # ignored pixels really are left out: their mean differs
    assert not torch.isclose(per_pixel[~valid].mean(), per_pixel[valid].mean())


def test_soft_target_kl_is_zero_when_student_equals_teacher():
    pred, target = batch()
    loss = MODELS.build(dict(type='SoftTargetKLLoss'))
    value = loss(pred, pred.softmax(dim=1), target != 255)
    assert abs(float(value)) < 1e-6
    # a one-hot teacher (zero mass on other classes) gives CE, not nan
    onehot = F.one_hot(target.clamp(max=4), 5).permute(0, 3, 1, 2).float()
    valid = target != 255
    torch.testing.assert_close(
        loss(pred, onehot, valid),
        F.cross_entropy(pred, target, ignore_index=255))


def test_soft_target_kl_temperature_scales_like_hinton():
    pred, target = batch()
    teacher = (pred * 0.3).softmax(dim=1)
    loss = MODELS.build(dict(type='SoftTargetKLLoss', temperature=2.0))
    log_p = F.log_softmax(pred / 2.0, dim=1)
    expected = 4.0 * F.kl_div(
        log_p, teacher, reduction='none').sum(dim=1).mean()
    torch.testing.assert_close(loss(pred, teacher), expected)


@pytest.mark.parametrize('cfg, key', [
    (dict(temperature=0), 'temperature'),
    (dict(loss_name='distill'), 'loss_name'),
])
def test_bad_soft_target_kl_config_is_refused(cfg, key):
    with pytest.raises(ValueError, match=key):
        MODELS.build(dict(type='SoftTargetKLLoss', **cfg))


def test_soft_target_kl_refuses_mismatched_shapes():
    pred, _ = batch()
    with pytest.raises(ValueError, match='shape'):
        MODELS.build(dict(type='SoftTargetKLLoss'))(pred, pred[:, :3])


def test_class_weight_values_checked(tmp_path, monkeypatch):
    from mmseg_fastscnn.models.losses.class_weight import load_class_weight
    assert load_class_weight([0.5, 2]) == [0.5, 2.0]
    # a relative path is the working directory's, never the repository's
    monkeypatch.chdir(tmp_path)
    relative = 'configs/_base_/datasets/camvid_class_stats.json'
    with pytest.raises(FileNotFoundError, match=str(tmp_path)):
        load_class_weight(relative)
    (tmp_path / 'w.json').write_text('{"weights": {"enet": [1.5, 2]}}')
    assert load_class_weight('w.json') == [1.5, 2.0]
    for bad in ([1.0, float('inf')], [1.0, float('nan')], [-1.0, 1.0]):
        with pytest.raises(ValueError, match='>= 0 and finite'):
            load_class_weight(bad)


@pytest.mark.parametrize('kwargs', [
    dict(), dict(classes='all'), dict(classes=[0, 2, 4]),
    dict(class_weight=WEIGHTS)
])
def test_lovasz_softmax_equals_mmseg_lovasz_loss(kwargs):
    """Our integer-key sort gives mmseg's LovaszLoss (multi-class, over the
    batch): the same value and gradient, ignored pixels left out, a class
    absent from the labels skipped under 'present'."""
    pred, target = batch(n=2, k=5, h=24, w=32)
    target[target == 3] = 1  # class 3 absent
    ours = MODELS.build(dict(type='LovaszSoftmaxLoss', **kwargs))
    theirs = MODELS.build(
        dict(type='LovaszLoss', per_image=False, reduction='none', **kwargs))
    a, b = pred.clone().requires_grad_(), pred.clone().requires_grad_()
    value = ours(a, target, ignore_index=255)
    expected = theirs(b, target, ignore_index=255)
    value.backward()
    expected.backward()
    torch.testing.assert_close(value, expected)
    torch.testing.assert_close(a.grad, b.grad)
    assert ours.loss_name == 'loss_lovasz'


def test_lovasz_softmax_order_is_exact_for_near_ties():
    """The integer keys order errors that differ in the last bit, carry
    the class mask along, and put the class's pixel first in an exact tie."""
    from mmseg_fastscnn.models.losses.lovasz_softmax_loss import \
        sorted_descending
    errors = torch.tensor([0.5, 0.5 + 2**-24, 1.0, 0.0, 2**-30, 0.25, 0.25])
    fg = torch.tensor([1., 0., 1., 0., 1., 0., 1.])
    values, fg_sorted, order = sorted_descending(errors, fg)
    assert order.tolist() == [2, 1, 0, 6, 5, 4, 3]
    assert torch.equal(values, errors[order])
    assert torch.equal(fg_sorted, fg[order])


def test_lovasz_softmax_all_ignored_and_bad_settings():
    pred = torch.randn(1, 3, 4, 4, requires_grad=True)
    loss = MODELS.build(dict(type='LovaszSoftmaxLoss'))(
        pred, torch.full((1, 4, 4), 255), ignore_index=255)
    loss.backward()
    assert float(loss) == 0.0 and pred.grad is not None
    with pytest.raises(ValueError, match="classes must be 'present'"):
        MODELS.build(dict(type='LovaszSoftmaxLoss', classes='some'))
    with pytest.raises(ValueError, match='loss_name must start with'):
        MODELS.build(dict(type='LovaszSoftmaxLoss', loss_name='lovasz'))
    with pytest.raises(ValueError, match=r'classes \[0, 3\] must lie in'):
        MODELS.build(dict(type='LovaszSoftmaxLoss', classes=[0, 3]))(
            pred, torch.zeros(1, 4, 4, dtype=torch.long))
    with pytest.raises(ValueError, match='has 2 entries but'):
        MODELS.build(dict(type='LovaszSoftmaxLoss', class_weight=[1., 2.]))(
            pred, torch.zeros(1, 4, 4, dtype=torch.long))
