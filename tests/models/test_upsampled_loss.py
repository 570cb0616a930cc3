"""The fused upsample + cross-entropy (and Lovasz-softmax) and the matrix
form of bilinear upsampling, against ``F.interpolate`` + mmseg's and
torch's losses."""
import pytest
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_fastscnn.models.bilinear import upsample_bilinear
from mmseg_fastscnn.models.losses.upsampled_cross_entropy import \
    upsampled_cross_entropy
from tests.models.base import build_segmentor

WEIGHTS = torch.tensor([0.2, 1.0, 3.0, 0.5, 2.0])


def logits_and_labels(seed=0, n=3, k=5, small=(6, 8), big=(48, 64)):
    g = torch.Generator().manual_seed(seed)
    logits = 4 * torch.randn(n, k, *small, generator=g)
    labels = torch.randint(0, k, (n, *big), generator=g)
    labels[0, :10, :20] = 255
    labels[2, -3:] = 255
    return logits, labels


def reference(logits, labels, weight, align_corners):
    up = F.interpolate(logits, size=labels.shape[-2:], mode='bilinear',
                       align_corners=align_corners)
    return F.cross_entropy(up, labels, weight=weight, ignore_index=255)


@pytest.mark.parametrize('small,big', [((6, 8), (48, 64)),
                                       ((7, 9), (20, 31)), ((5, 5), (5, 5))])
@pytest.mark.parametrize('align_corners', [False, True])
def test_matrix_upsampling_is_f_interpolate(small, big, align_corners):
    x, _ = logits_and_labels(small=small, big=big)
    expected = F.interpolate(x, size=big, mode='bilinear',
                             align_corners=align_corners)
    torch.testing.assert_close(upsample_bilinear(x, big, align_corners),
                               expected)
    torch.testing.assert_close(
        upsample_bilinear(x, big, align_corners, stride=4),
        expected[..., ::4, ::4])


@pytest.mark.parametrize('weight', [None, WEIGHTS])
@pytest.mark.parametrize('align_corners,chunk', [(False, 2), (True, 1),
                                                 (False, 8)])
def test_value_and_gradient_equal_resize_then_cross_entropy(
        weight, align_corners, chunk):
    logits, labels = logits_and_labels()
    ours_in = logits.clone().requires_grad_()
    ref_in = logits.clone().requires_grad_()
    ours = upsampled_cross_entropy(ours_in, labels, weight, 255,
                                   align_corners, chunk)
    ref = reference(ref_in, labels, weight, align_corners)
    torch.testing.assert_close(ours, ref)
    (3 * ours).backward()
    (3 * ref).backward()
    torch.testing.assert_close(ours_in.grad, ref_in.grad)


def test_bfloat16_logits_under_autocast_keep_their_dtype():
    """Under autocast the loss still computes in float32 (as torch's CE
    does on a CPU); the gradient comes back in the logits' dtype."""
    logits, labels = logits_and_labels(1)
    low = logits.bfloat16().requires_grad_()
    ref_in = low.detach().float().requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        ours = upsampled_cross_entropy(low, labels, WEIGHTS)
    ref = reference(ref_in, labels, WEIGHTS, False)
    assert ours.dtype == torch.float32
    torch.testing.assert_close(ours, ref)
    ours.backward()
    ref.backward()
    assert low.grad.dtype == torch.bfloat16
    torch.testing.assert_close(low.grad.float(), ref_in.grad, rtol=1e-2,
                               atol=1e-5)


def test_extreme_logits_stay_finite():
    logits, labels = logits_and_labels(2)
    logits = logits * 1e3
    ours_in = logits.clone().requires_grad_()
    ref_in = logits.clone().requires_grad_()
    ours = upsampled_cross_entropy(ours_in, labels)
    ref = reference(ref_in, labels, None, False)
    assert torch.isfinite(ours)
    torch.testing.assert_close(ours, ref)
    ours.backward()
    ref.backward()
    torch.testing.assert_close(ours_in.grad, ref_in.grad)


def test_all_void_gives_zero_and_a_zero_gradient():
    logits, labels = logits_and_labels()
    labels[:] = 255
    x = logits.requires_grad_()
    value = upsampled_cross_entropy(x, labels, WEIGHTS)
    assert float(value) == 0.0
    value.backward()
    assert float(x.grad.abs().max()) == 0.0


def test_second_backward_gives_the_same_gradient_and_bad_args_are_named():
    """Backward reads the saved softmax buffers, never writes them: a second
    backward of a retained graph adds the same gradient again, and the
    saved tensors are unchanged by a backward."""
    logits, labels = logits_and_labels()
    x = logits.requires_grad_()
    value = upsampled_cross_entropy(x, labels, WEIGHTS)
    before = [t.clone() for t in value.grad_fn.saved_tensors]
    value.backward(retain_graph=True)
    first = x.grad.clone()
    after = value.grad_fn.saved_tensors
    assert len(before) == len(after) > 5
    for old, new in zip(before, after):
        assert torch.equal(old, new)
    value.backward()
    torch.testing.assert_close(x.grad, 2 * first)
    with pytest.raises(ValueError, match=r'target \(N, H, W\)'):
        upsampled_cross_entropy(logits, labels[:, None])
    with pytest.raises(ValueError, match='chunk must be'):
        upsampled_cross_entropy(logits, labels, chunk=0)
    with pytest.raises(ValueError, match="reduction must be 'mean' or"):
        upsampled_cross_entropy(logits, labels, reduction='none')


def test_saved_tensor_hooks_see_the_softmax_buffers():
    """The softmax buffers backward needs go through ctx.save_for_backward,
    so saved-tensor hooks (offloading, checkpointing) handle them; a pack
    hook that copies them leaves the gradient unchanged."""
    logits, labels = logits_and_labels(1)
    packed = []

    def pack(t):
        packed.append(t.numel())
        return t.clone()

    ref_in = logits.clone().requires_grad_()
    upsampled_cross_entropy(ref_in, labels, WEIGHTS).backward()
    x = logits.clone().requires_grad_()
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        value = upsampled_cross_entropy(x, labels, WEIGHTS)
    value.backward()
    n, k = logits.shape[:2]
    assert sum(packed) >= n * k * labels[0].numel()  # every chunk's softmax
    torch.testing.assert_close(x.grad, ref_in.grad)


@pytest.mark.parametrize('reduction', ['mean', 'sum'])
@pytest.mark.parametrize('weight', [None, WEIGHTS])
@pytest.mark.parametrize('align_corners', [False, True])
def test_upsampled_cross_entropy_gradcheck(reduction, weight, align_corners):
    """float64 gradcheck of the custom autograd.Function (small inputs,
    void pixels, chunks of 2 over 3 images)."""
    g = torch.Generator().manual_seed(2)
    x = torch.randn(3, 4, 3, 4, generator=g, dtype=torch.float64,
                    requires_grad=True)
    labels = torch.randint(0, 4, (3, 7, 9), generator=g)
    labels[0, :2] = 255
    w = None if weight is None else weight[:4]
    assert torch.autograd.gradcheck(
        lambda t: upsampled_cross_entropy(t, labels, w, 255, align_corners,
                                          2, reduction), (x, ),
        fast_mode=True)


def test_upsampled_cross_entropy_sum_is_the_mean_times_its_weights():
    logits, labels = logits_and_labels(3)
    mean = upsampled_cross_entropy(logits, labels, WEIGHTS)
    total = upsampled_cross_entropy(logits, labels, WEIGHTS, reduction='sum')
    valid = labels != 255
    torch.testing.assert_close(total, mean * WEIGHTS[labels[valid]].sum())


def test_ce_loss_takes_low_res_logits_with_and_without_smoothing():
    logits, labels = logits_and_labels(3)
    for smoothing in (0.0, 0.1):
        loss = MODELS.build(
            dict(type='SoftmaxCrossEntropyLoss', class_weight=WEIGHTS.tolist(),
                 label_smoothing=smoothing, loss_weight=2.0))
        up = F.interpolate(logits, size=labels.shape[-2:], mode='bilinear')
        expected = 2.0 * F.cross_entropy(up, labels, weight=WEIGHTS,
                                         ignore_index=255,
                                         label_smoothing=smoothing)
        torch.testing.assert_close(loss(logits, labels), expected)


def samples_for(labels):
    out = []
    for label in labels:
        sample = SegDataSample(metainfo=dict(img_shape=label.shape))
        sample.gt_sem_seg = PixelData(data=label[None])
        out.append(sample)
    return out


@pytest.mark.parametrize('extra_loss', [
    None, dict(type='SoftmaxFocalLoss'), dict(type='LovaszSoftmaxLoss')])
def test_head_fused_and_resized_paths_train_alike(extra_loss):
    """The head's losses, acc_seg and every parameter's gradient are the
    same with fused_upsample_loss on and off (mixed with a loss that needs
    the resized logits, too)."""
    grads, values = [], []
    for fused in (True, False):
        torch.manual_seed(0)
        model = build_segmentor()
        head = model.decode_head.eval()  # no dropout
        if extra_loss is not None:
            head.loss_decode = torch.nn.ModuleList(
                [head.loss_decode, MODELS.build(extra_loss)])
        head.fused_upsample_loss = fused
        g = torch.Generator().manual_seed(1)
        feats = (torch.randn(2, 64, 8, 12, generator=g),
                 torch.randn(2, 128, 2, 3, generator=g),
                 torch.randn(2, 128, 8, 12, generator=g))
        labels = torch.randint(0, 11, (2, 64, 96), generator=g)
        labels[0, :7] = 255
        losses = head.loss(feats, samples_for(labels), None)
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        values.append(losses)
        grads.append([p.grad.clone() for p in head.parameters()])
    assert values[0].keys() == values[1].keys()
    for key in values[0]:
        torch.testing.assert_close(values[0][key], values[1][key])
    for fused, resized in zip(*grads):
        torch.testing.assert_close(fused, resized, rtol=1e-4, atol=1e-6)


def test_head_refuses_a_non_bool_switch():
    from tests.models.base import HEAD
    with pytest.raises(ValueError, match='fused_upsample_loss must be'):
        MODELS.build(dict(HEAD, fused_upsample_loss='yes'))


@pytest.mark.parametrize('kwargs', [
    dict(), dict(classes='all'), dict(classes=[0, 2, 4]),
    dict(class_weight=WEIGHTS.tolist())])
@pytest.mark.parametrize('align_corners', [False, True])
def test_lovasz_takes_low_res_logits(kwargs, align_corners):
    """LovaszSoftmaxLoss on logits at feature size equals mmseg's
    LovaszLoss on the logits resized first: value and gradient through the
    resize; under no_grad the same value."""
    logits, labels = logits_and_labels(4)
    labels[labels == 3] = 1  # a class absent from the batch
    ours = MODELS.build(dict(type='LovaszSoftmaxLoss', **kwargs))
    theirs = MODELS.build(dict(type='LovaszLoss', per_image=False,
                               reduction='none', **kwargs))
    a = logits.clone().requires_grad_()
    b = logits.clone().requires_grad_()
    value = ours(a, labels, ignore_index=255, align_corners=align_corners)
    expected = theirs(
        F.interpolate(b, size=labels.shape[-2:], mode='bilinear',
                      align_corners=align_corners), labels, ignore_index=255)
    value.backward()
    expected.backward()
    torch.testing.assert_close(value, expected)
    torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6)
    with torch.no_grad():
        torch.testing.assert_close(
            ours(logits, labels, ignore_index=255,
                 align_corners=align_corners), value.detach())


def test_lovasz_under_bfloat16_autocast_and_on_channels_last_logits():
    """bfloat16 channels-last logits (the fast path's): float32 value,
    a gradient of the logits' dtype and shape, close to float32's."""
    logits, labels = logits_and_labels(5)
    loss = MODELS.build(dict(type='LovaszSoftmaxLoss'))
    low = logits.to(torch.bfloat16).contiguous(
        memory_format=torch.channels_last).requires_grad_()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        value = loss(low, labels, ignore_index=255)
    value.backward()
    assert value.dtype == torch.float32
    assert low.grad.dtype == torch.bfloat16 and low.grad.shape == low.shape
    ref = logits.to(torch.bfloat16).float().requires_grad_()
    expected = loss(ref, labels, ignore_index=255)
    expected.backward()
    torch.testing.assert_close(value, expected)
    torch.testing.assert_close(low.grad.float(), ref.grad, rtol=2e-2,
                               atol=2e-4)


def test_lovasz_names_logits_and_labels_that_do_not_pair():
    loss = MODELS.build(dict(type='LovaszSoftmaxLoss'))
    with pytest.raises(ValueError, match=r'logits \(2, 5, 6, 8\) and labels'):
        loss(torch.randn(2, 5, 6, 8), torch.zeros(3, 48, 64, dtype=torch.long))


@pytest.mark.parametrize('small,kwargs', [
    ((3, 4), dict()), ((5, 7), dict(class_weight=[0.5, 1.0, 2.0, 3.0])),
    ((3, 4), dict(classes='all', align_corners=True))])
def test_lovasz_softmax_gradcheck(small, kwargs):
    """float64 gradcheck of the Lovasz custom autograd.Function, on logits
    smaller than the labels and at their size (float64 sorts by int64 keys
    exactly as float32 by int32 ones)."""
    from mmseg_fastscnn.models.losses.lovasz_softmax_loss import \
        lovasz_softmax
    g = torch.Generator().manual_seed(3)
    x = torch.randn(2, 4, *small, generator=g, dtype=torch.float64,
                    requires_grad=True)
    labels = torch.randint(0, 4, (2, 5, 7), generator=g)
    labels[0, :2] = 255
    labels[labels == 2] = 1  # a class absent from the labels
    weight = kwargs.get('class_weight')
    weight = None if weight is None else torch.tensor(weight,
                                                      dtype=torch.float64)
    assert torch.autograd.gradcheck(
        lambda t: lovasz_softmax(t, labels, kwargs.get('classes', 'present'),
                                 weight, 255,
                                 kwargs.get('align_corners', False)), (x, ),
        fast_mode=True)


def test_ce_loss_fuses_where_measured_faster():
    """'auto' fuses on a CPU (measured faster there:
    tools/analysis/benchmark_upsampled_ce.py), False never; the values agree
    and a bad switch is named."""
    from unittest import mock

    from mmseg_fastscnn.models.losses import softmax_cross_entropy_loss as ce
    logits, labels = logits_and_labels(3)
    values = {}
    for switch, calls in (('auto', 1), (True, 1), (False, 0)):
        loss = MODELS.build(dict(type='SoftmaxCrossEntropyLoss',
                                 class_weight=WEIGHTS.tolist(),
                                 fused_upsample=switch))
        with mock.patch.object(ce, 'upsampled_cross_entropy',
                               wraps=ce.upsampled_cross_entropy) as fused:
            values[switch] = loss(logits, labels)
        assert fused.call_count == calls, switch
    torch.testing.assert_close(values['auto'], values[False])
    torch.testing.assert_close(values[True], values[False])
    with pytest.raises(ValueError, match="fused_upsample must be 'auto'"):
        MODELS.build(dict(type='SoftmaxCrossEntropyLoss',
                          fused_upsample='yes'))
