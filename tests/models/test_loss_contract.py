"""mmseg's loss contract with our head and losses: every stock mmseg
decode-head loss builds and trains with ``FastSCNNClassifierHead``; our
losses honour ``reduction_override``, ``avg_factor``, ``weight``,
``ignore_index`` and ``loss_name`` as mmseg's ``CrossEntropyLoss`` does, so
mmseg's ``OHEMPixelSampler`` works in both of its modes; the distillation
term honours the first three."""
import json
import pickle
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from tests.models.base import HEAD, labelled_samples

K = 5
WEIGHTS = [0.2, 1.0, 3.0, 0.5, 2.0]
EPS = torch.finfo(torch.float32).eps


def build_head(loss_decode, **kwargs):
    """Our head on 8-channel features with ``K`` classes."""
    with warnings.catch_warnings():  # mmseg CE's avg_non_ignore notice
        warnings.simplefilter('ignore', UserWarning)
        return MODELS.build(
            dict(HEAD, in_channels=8, channels=8, num_classes=K,
                 loss_decode=loss_decode, **kwargs))


def labels_and_logits(seed=0, ignored=True, small=(4, 6), big=(16, 24)):
    """Labels (2, H, W) (some void unless ``ignored`` is False) and logits
    (2, K, h, w) at 1/4 of their size."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, K, (2, *big), generator=g)
    if ignored:
        labels[0, :3] = 255
    return labels, 3 * torch.randn(2, K, *small, generator=g)


def class_weight_file(tmp_path, kind):
    """``WEIGHTS`` in a file mmseg's ``get_class_weight`` reads."""
    path = tmp_path / f'weights.{kind}'
    if kind == 'npy':
        np.save(path, np.array(WEIGHTS))
    elif kind == 'pkl':
        path.write_bytes(pickle.dumps(WEIGHTS))
    else:
        path.write_text(json.dumps(WEIGHTS))
    return str(path)


CE_W = dict(type='CrossEntropyLoss', class_weight=WEIGHTS,
            avg_non_ignore=True)
STOCK = {
    'ce': dict(type='CrossEntropyLoss'),
    'ce-class-weight-list': CE_W,
    'ce-class-weight-npy': dict(CE_W, class_weight='npy'),
    'ce-class-weight-pkl': dict(CE_W, class_weight='pkl'),
    'ce-class-weight-tensor': dict(CE_W, class_weight=torch.tensor(WEIGHTS)),
    'dice': dict(type='DiceLoss'),
    'tversky': dict(type='TverskyLoss', class_weight=WEIGHTS),
    'lovasz': dict(type='LovaszLoss', reduction='none', class_weight=WEIGHTS),
    'ce-class-weight+lovasz': [CE_W, dict(type='LovaszLoss',
                                          reduction='none')],
    'ours-ce-class-weight-npy': dict(type='SoftmaxCrossEntropyLoss',
                                     class_weight='npy'),
    'ours-focal-alpha-json': dict(type='SoftmaxFocalLoss', alpha='json'),
    'focal-float-alpha': dict(type='FocalLoss', alpha=0.25),
    'focal-list-alpha': dict(type='FocalLoss', alpha=[0.25] * K,
                             class_weight=WEIGHTS),
}
# mmseg 1.2.2's CrossEntropyLoss with class_weight indexes the weights
# with every label (ignored ones too) under 'mean': IndexError on a void
# pixel, whatever the head (SoftmaxCrossEntropyLoss is the fix)
NO_VOID = {'ce-class-weight-list', 'ce-class-weight-npy',
           'ce-class-weight-pkl', 'ce-class-weight-tensor',
           'ce-class-weight+lovasz'}
# mmseg 1.2.2's FocalLoss fails on a CPU for label maps, whatever the head
# (open-mmlab/mmsegmentation#3249: target[:, num_classes]): it builds with
# our head, but cannot train here
MMSEG_CPU_BUG = {'focal-float-alpha', 'focal-list-alpha'}


def with_files(loss_decode, tmp_path):
    """``loss_decode`` with a file kind ('npy', 'pkl', 'json') as
    class_weight / alpha replaced by such a file."""
    if isinstance(loss_decode, list):
        return [with_files(cfg, tmp_path) for cfg in loss_decode]
    cfg = dict(loss_decode)
    for key in ('class_weight', 'alpha'):
        if cfg.get(key) in ('npy', 'pkl', 'json'):
            cfg[key] = class_weight_file(tmp_path, cfg[key])
    return cfg


@pytest.mark.parametrize('name', sorted(STOCK))
def test_stock_decode_head_losses_build_and_train_with_our_head(
        name, tmp_path):
    """Each loss config builds our head (class weights as list, file or
    tensor; FocalLoss's float alpha is not per-class) and takes a training
    step: finite losses under their names, a gradient on the classifier."""
    head = build_head(with_files(STOCK[name], tmp_path)).train()
    g = torch.Generator().manual_seed(1)
    feats = (torch.randn(2, 8, 4, 6, generator=g), )
    labels, _ = labels_and_logits(ignored=name not in NO_VOID)
    if name in MMSEG_CPU_BUG:
        with pytest.raises(RuntimeError, match='must match the size'):
            head.loss(feats, labelled_samples(labels), None)
        return
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        losses = head.loss(feats, labelled_samples(labels), None)
    modules = head.loss_decode if isinstance(
        head.loss_decode, torch.nn.ModuleList) else [head.loss_decode]
    names = {m.loss_name for m in modules}
    assert len(names) == len(modules)
    assert set(losses) == names | {'acc_seg'}
    total = sum(v for k, v in losses.items() if k.startswith('loss_'))
    assert torch.isfinite(total) and total > 0
    total.backward()
    grad = head.conv_seg.weight.grad
    assert grad is not None and torch.isfinite(grad).all() and grad.any()


@pytest.mark.parametrize('cfg, key', [
    (dict(type='CrossEntropyLoss', class_weight=[1.0] * 3), 'class_weight'),
    (dict(type='CrossEntropyLoss', class_weight='npy3'), 'class_weight'),
    (dict(type='FocalLoss', alpha=[0.5] * 3), 'alpha'),
    (dict(type='TverskyLoss', class_weight=[1.0] * 3), 'class_weight'),
    (dict(type='LovaszLoss', reduction='none', class_weight=[1.0] * 3),
     'class_weight'),
    (dict(type='SoftmaxCrossEntropyLoss', class_weight=[1.0] * 3),
     'class_weight'),
    (dict(type='SoftmaxFocalLoss', alpha=[1.0] * 3), 'alpha'),
])
def test_per_class_weight_of_wrong_length_is_refused(cfg, key, tmp_path):
    if cfg.get('class_weight') == 'npy3':
        path = tmp_path / 'w3.npy'
        np.save(path, np.ones(3))
        cfg = dict(cfg, class_weight=str(path))
    with pytest.raises(ValueError,
                       match=f'{key} has 3 entries but num_classes is 5'):
        build_head(cfg)


# ---- reduction_override, avg_factor, weight, ignore_index, loss_name ----

PER_PIXEL = [
    dict(type='SoftmaxCrossEntropyLoss'),
    dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS),
    dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS,
         label_smoothing=0.1),
    dict(type='SoftmaxFocalLoss', alpha=WEIGHTS),
]


def full_size(logits, labels):
    return F.interpolate(logits, size=labels.shape[-2:], mode='bilinear')


@pytest.mark.parametrize('cfg', PER_PIXEL)
@pytest.mark.parametrize('low_res', [False, True])
def test_reductions_agree(cfg, low_res):
    """'none' gives (N, H, W) per-pixel losses, 0 at void pixels; 'sum' is
    their sum, 'mean' their sum over the class weights of the valid pixels
    (torch's mean), 'mean' with avg_factor their sum / avg_factor; on logits
    smaller than the labels (the fused path for 'mean' and 'sum') the same
    values as on the logits resized first."""
    loss = MODELS.build(dict(cfg, loss_weight=2.0))
    labels, small = labels_and_logits(2)
    big = full_size(small, labels)
    if low_res and not getattr(loss, 'accepts_low_res_logits', False):
        pytest.skip('the head resizes the logits for this loss')
    pred = small if low_res else big
    none = loss(pred, labels, reduction_override='none')
    assert none.shape == labels.shape
    assert not none[labels == 255].any() and (none[labels != 255] > 0).all()
    torch.testing.assert_close(none, loss(big, labels,
                                          reduction_override='none'))
    weights = torch.tensor(WEIGHTS if 'class_weight' in cfg
                           or 'alpha' in cfg else [1.0] * K)
    denom = weights[labels[labels != 255]].sum()
    torch.testing.assert_close(loss(pred, labels), none.sum() / denom)
    torch.testing.assert_close(
        loss(pred, labels, reduction_override='sum'), none.sum())
    torch.testing.assert_close(
        loss(pred, labels, avg_factor=123.0, reduction_override='mean'),
        none.sum() / (123.0 + EPS))
    if cfg['type'] == 'SoftmaxCrossEntropyLoss':
        expected = 2.0 * F.cross_entropy(
            big, labels, weight=weights, ignore_index=255,
            label_smoothing=cfg.get('label_smoothing', 0.0))
        torch.testing.assert_close(loss(pred, labels), expected)


@pytest.mark.parametrize('class_weight', [None, WEIGHTS])
@pytest.mark.parametrize('reduction, avg_factor', [('none', None),
                                                   ('sum', None),
                                                   ('mean', 77.0)])
def test_ce_equals_mmseg_cross_entropy_loss(class_weight, reduction,
                                            avg_factor):
    """Our CE and mmseg's CrossEntropyLoss give the same values for every
    reduction mmseg's computes (with a pixel weight and void pixels),
    from low-resolution logits too."""
    labels, small = labels_and_logits(3)
    big = full_size(small, labels)
    pixel_weight = torch.rand(labels.shape,
                              generator=torch.Generator().manual_seed(4))
    ours = MODELS.build(dict(type='SoftmaxCrossEntropyLoss',
                             class_weight=class_weight))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)
        theirs = MODELS.build(dict(type='CrossEntropyLoss',
                                   class_weight=class_weight))
    expected = theirs(big, labels, weight=pixel_weight,
                      avg_factor=avg_factor, reduction_override=reduction,
                      ignore_index=255)
    for pred in (big, small):
        torch.testing.assert_close(
            ours(pred, labels, weight=pixel_weight, avg_factor=avg_factor,
                 reduction_override=reduction, ignore_index=255), expected)
    if reduction == 'none':
        kept = (pixel_weight > 0.5).float()  # 0/1: mean over kept pixels
        dropped = torch.where(kept.bool(), labels, 255)
        weights = None if class_weight is None else torch.tensor(WEIGHTS)
        torch.testing.assert_close(
            ours(small, labels, weight=kept),
            F.cross_entropy(big, dropped, weight=weights, ignore_index=255))


@pytest.mark.parametrize('cfg', PER_PIXEL)
def test_ignore_index_and_loss_name_are_honoured(cfg):
    """A caller's ignore_index (here class 3) zeroes those pixels and
    leaves them out of the mean; loss_name names the head's loss."""
    labels, small = labels_and_logits(5, ignored=False)
    big = full_size(small, labels)
    loss = MODELS.build(cfg)
    pred = small if getattr(loss, 'accepts_low_res_logits', False) else big
    none = loss(pred, labels, ignore_index=3, reduction_override='none')
    assert not none[labels == 3].any() and (none[labels != 3] > 0).all()
    dropped = torch.where(labels == 3, 255, labels)
    torch.testing.assert_close(loss(pred, labels, ignore_index=3),
                               loss(big, dropped, ignore_index=255))
    assert not torch.allclose(loss(pred, labels, ignore_index=3),
                              loss(pred, labels, ignore_index=255))
    head = build_head(dict(cfg, loss_name='loss_mine'))
    losses = head.loss_by_feat(small, labelled_samples(labels))
    assert set(losses) == {'loss_mine', 'acc_seg'}
    with pytest.raises(ValueError, match='loss_name must start with'):
        MODELS.build(dict(cfg, loss_name='mine'))


@pytest.mark.parametrize('type_', ['SoftmaxCrossEntropyLoss',
                                   'SoftmaxFocalLoss'])
def test_bad_reductions_are_refused(type_):
    labels, logits = labels_and_logits()
    small = full_size(logits, labels)
    loss = MODELS.build(dict(type=type_))
    with pytest.raises(ValueError, match='reduction_override must be'):
        loss(small, labels, reduction_override='avg')
    with pytest.raises(ValueError, match='avg_factor can not be used'):
        loss(small, labels, avg_factor=4.0, reduction_override='sum')
    with pytest.raises(ValueError, match='reduction must be'):
        MODELS.build(dict(type=type_, reduction='avg'))
    per_pixel = MODELS.build(dict(type=type_, reduction='none'))
    assert per_pixel(small, labels).shape == labels.shape


def test_soft_target_kl_honours_the_reductions():
    """The distillation term: 'none' is (N, H, W) KL x T^2 x loss_weight,
    0 outside the valid mask; 'mean' is over valid pixels (pixel weights
    weigh the mean), or the sum over avg_factor; 'sum' the sum."""
    labels, small = labels_and_logits(6)
    logits = full_size(small, labels)
    teacher = torch.randn(
        logits.shape, generator=torch.Generator().manual_seed(7)).softmax(1)
    valid = labels != 255
    loss = MODELS.build(dict(type='SoftTargetKLLoss', temperature=2.0,
                             loss_weight=3.0))
    none = loss(logits, teacher, valid, reduction_override='none')
    kl = F.kl_div(F.log_softmax(logits / 2.0, dim=1), teacher,
                  reduction='none').sum(dim=1)
    torch.testing.assert_close(none, 3.0 * 4.0 * kl * valid)
    torch.testing.assert_close(loss(logits, teacher, valid),
                               none.sum() / valid.sum())
    torch.testing.assert_close(
        loss(logits, teacher, valid, reduction_override='sum'), none.sum())
    torch.testing.assert_close(
        loss(logits, teacher, valid, avg_factor=50.0), none.sum() / (50 + EPS))
    pixel_weight = torch.rand(labels.shape,
                              generator=torch.Generator().manual_seed(8))
    torch.testing.assert_close(
        loss(logits, teacher, valid, weight=pixel_weight),
        (none * pixel_weight).sum() / (valid * pixel_weight).sum())
    with pytest.raises(ValueError, match='reduction_override must be'):
        loss(logits, teacher, valid, reduction_override='avg')
    with pytest.raises(ValueError, match='avg_factor can not be used'):
        loss(logits, teacher, valid, avg_factor=4.0, reduction_override='sum')
    with pytest.raises(ValueError, match='valid'):
        loss(logits, teacher, valid[:, :-1])
    with pytest.raises(ValueError, match='reduction must be'):
        MODELS.build(dict(type='SoftTargetKLLoss', reduction='avg'))


def test_lovasz_is_one_value_per_batch():
    """Lovasz: 'mean' and 'sum' give the batch's value; 'none' (per-pixel
    losses) and avg_factor are refused with a one-line ValueError; pixel
    weights are not applied (as mmseg's LovaszLoss)."""
    labels, small = labels_and_logits(6)
    loss = MODELS.build(dict(type='LovaszSoftmaxLoss'))
    value = loss(small, labels)
    for override in ('mean', 'sum'):
        torch.testing.assert_close(
            loss(small, labels, reduction_override=override), value)
    torch.testing.assert_close(
        loss(small, labels, weight=torch.zeros(labels.shape)), value)
    with pytest.raises(ValueError, match=r"reduction_override='none' "
                       r'\(per-pixel losses, as OHEMPixelSampler'):
        loss(small, labels, reduction_override='none')
    with pytest.raises(ValueError, match='avg_factor cannot be used'):
        loss(small, labels, avg_factor=3.0)


# ---- mmseg's OHEMPixelSampler with our head ----


def kept_pixels(big, labels, thresh, min_kept, per_pixel_loss):
    """The pixels OHEM keeps, computed here from its definition: the
    ``min_kept`` per image of highest loss (thresh None), or those whose
    true class has a probability under max(thresh, the (min_kept + 1)-th
    lowest)."""
    valid = labels != 255
    kept = torch.zeros_like(valid)
    if thresh is None:
        order = per_pixel_loss[valid].argsort(descending=True)
        flat = kept[valid]
        flat[order[:min_kept * len(labels)]] = True
        kept[valid] = flat
        return kept
    prob = big.softmax(1).gather(1, labels.clamp(max=K - 1)[:, None])[:, 0]
    ranked = prob[valid].sort().values
    cut = max(float(ranked[min(min_kept * len(labels), len(ranked) - 1)]),
              thresh)
    return valid & (prob < cut)


@pytest.mark.parametrize('thresh', [None, 0.7])
@pytest.mark.parametrize('loss_cfg', [
    dict(type='SoftmaxCrossEntropyLoss'),
    dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS),
    dict(type='SoftmaxFocalLoss', alpha=WEIGHTS),
])
@pytest.mark.parametrize('fused', [True, False])
def test_ohem_pixel_sampler_modes_with_our_losses(thresh, loss_cfg, fused):
    """mmseg's OHEMPixelSampler in its loss mode (thresh=None: the loss per
    pixel, reduction_override='none') and its probability mode: the head's
    loss is our loss over exactly the pixels OHEM keeps, and it trains."""
    min_kept = 40
    head = build_head(loss_cfg, fused_upsample_loss=fused,
                      sampler=dict(type='OHEMPixelSampler', thresh=thresh,
                                   min_kept=min_kept))
    labels, small = labels_and_logits(7)
    small.requires_grad_()
    big = full_size(small.detach(), labels)
    loss = MODELS.build(loss_cfg)
    per_pixel = loss(big, labels, reduction_override='none')
    kept = kept_pixels(big, labels, thresh, min_kept, per_pixel)
    valid = int((labels != 255).sum())
    assert 2 * min_kept <= int(kept.sum()) < valid  # OHEM drops pixels
    losses = head.loss_by_feat(small, labelled_samples(labels))
    expected = loss(big, torch.where(kept, labels, 255))
    torch.testing.assert_close(losses[loss.loss_name], expected)
    assert losses[loss.loss_name] > loss(big, labels)  # the hard pixels
    losses[loss.loss_name].backward()
    assert small.grad.abs().sum() > 0


def test_ohem_with_lovasz_beside_ce():
    """CE + Lovasz: OHEM's probability mode weights the CE's pixels (the
    Lovasz term sees every pixel, as with mmseg's LovaszLoss); its loss
    mode cannot rank pixels by a batch-level loss and says so."""
    loss_decode = [dict(type='SoftmaxCrossEntropyLoss'),
                   dict(type='LovaszSoftmaxLoss')]
    labels, small = labels_and_logits(8)
    head = build_head(loss_decode, sampler=dict(type='OHEMPixelSampler',
                                                thresh=0.7, min_kept=40))
    losses = head.loss_by_feat(small, labelled_samples(labels))
    big = full_size(small, labels)
    lovasz = MODELS.build(dict(type='LovaszSoftmaxLoss'))
    torch.testing.assert_close(losses['loss_lovasz'], lovasz(big, labels))
    assert losses['loss_ce'] > F.cross_entropy(big, labels, ignore_index=255)
    head = build_head(loss_decode, sampler=dict(type='OHEMPixelSampler',
                                                min_kept=40))
    with pytest.raises(ValueError, match="reduction_override='none'"):
        head.loss_by_feat(small, labelled_samples(labels))


def test_lovasz_sort_key_refuses_errors_it_cannot_order():
    """The integer sort key orders float32 / float64 errors in [0, 1] only:
    another dtype, an error above 1, a negative one or NaN is refused."""
    from mmseg_fastscnn.models.losses.lovasz_softmax_loss import \
        sorted_descending
    fg = torch.tensor([1., 0., 1.])
    for dtype in (torch.float32, torch.float64):
        errors = torch.tensor([0.25, 1.0, 0.0], dtype=dtype)
        values, fg_sorted, order = sorted_descending(errors, fg)
        assert order.tolist() == [1, 0, 2] and values.dtype == dtype
        assert torch.equal(fg_sorted, fg[order].to(dtype))
    with pytest.raises(TypeError, match='float32 or float64'):
        sorted_descending(torch.tensor([0.5, 0.2, 0.1]).bfloat16(), fg)
    for bad in (1.5, -0.25, float('nan')):
        with pytest.raises(ValueError, match=r'must lie in \[0, 1\]'):
            sorted_descending(torch.tensor([0.5, bad, 0.1]), fg)
