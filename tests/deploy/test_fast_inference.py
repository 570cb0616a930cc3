"""The fast PyTorch path: BN folding, channels-last, preprocessing inside
and the working size."""
import os
import os.path as osp

import mmcv
import pytest
import torch

from mmseg_fastscnn.deploy import build_fast_model, fold_batchnorm
from mmseg_fastscnn.utils.precision import cpu_supports_bf16
from mmseg_fastscnn.models import SegmentorExportWrapper
from mmseg_fastscnn.models.outputs import logits_to_output
from tests.utils import CONFIG, SHIPPED


def test_fold_batchnorm_same_outputs(model):
    folded = fold_batchnorm(model)
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    x = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        ref = SegmentorExportWrapper(model, 'logits')(x)
        got = SegmentorExportWrapper(folded, 'logits')(x)
    torch.testing.assert_close(got, ref, atol=1e-4, rtol=1e-4)


def test_fast_path_labels_equal_plain_on_camvid(model, camvid_root):
    fast = build_fast_model(model, 'cls', with_preprocess=True)
    plain = SegmentorExportWrapper(model, 'cls', with_preprocess=True)
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:2]
    for name in names:
        bgr = mmcv.imread(osp.join(camvid_root, 'val', name))
        x = torch.from_numpy(bgr.transpose(2, 0, 1).copy())[None].float()
        with torch.no_grad():
            a, b = fast(x), plain(x)
        assert a.shape == (1, 360, 480)
        assert (a == b).float().mean() > 0.9999


def test_preprocess_inside_matches_data_preprocessor(model):
    raw = torch.rand(1, 3, 64, 96) * 255
    inside = SegmentorExportWrapper(model, 'logits', with_preprocess=True)
    outside = SegmentorExportWrapper(model, 'logits')
    normed = model.data_preprocessor(
        dict(inputs=[raw[0]], data_samples=None), False)['inputs']
    with torch.no_grad():
        torch.testing.assert_close(inside(raw), outside(normed))


def test_work_size_runs_the_network_there_and_answers_at_input_size(model):
    x = torch.randn(2, 3, 48, 64)
    resized = torch.nn.functional.interpolate(
        x, size=(72, 96), mode='bilinear', align_corners=False)
    with torch.no_grad():
        got = SegmentorExportWrapper(model, 'logits', work_size=(72, 96))(x)
        # the network's logits for the 72x96 input (1/8 of it), brought
        # straight back to 48x64
        expected = logits_to_output(
            model.decode_head(model.backbone(resized)), 'logits', (48, 64))
        plain = SegmentorExportWrapper(model, 'logits')(x)
        labels = build_fast_model(model, 'cls', work_size=(72, 96))(x)
    assert got.shape == (2, 11, 48, 64)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(got, plain, atol=1e-3)
    assert (labels == got.argmax(1)).float().mean() > 0.999


@pytest.mark.skipif(not cpu_supports_bf16(),
                    reason='this CPU has no fast bfloat16')
def test_bfloat16_fast_path_agrees_with_float32_on_camvid(camvid_root):
    """bfloat16 autocast labels against float32's on real val frames (the
    shipped checkpoint): at least 99.5% of the pixels; probabilities come
    out float32 and still sum to 1."""
    from mmseg_fastscnn.apis import init_model_checked
    model = init_model_checked(CONFIG, SHIPPED)
    fp32 = build_fast_model(model, 'cls', with_preprocess=True)
    bf16 = build_fast_model(model, 'cls', with_preprocess=True,
                            bfloat16=True)
    probs = build_fast_model(model, 'prob', with_preprocess=True,
                             bfloat16=True)
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[::50]
    x = torch.stack([
        torch.from_numpy(
            mmcv.imread(osp.join(camvid_root, 'val', n)).transpose(2, 0, 1)
            .copy()).float() for n in names
    ])
    with torch.no_grad():
        a, b, p = fp32(x), bf16(x), probs(x)
    assert b.dtype == a.dtype and b.shape == a.shape == (len(names), 360, 480)
    assert (a == b).float().mean() >= 0.995
    assert p.dtype == torch.float32
    torch.testing.assert_close(p.sum(1), torch.ones_like(p[:, 0]))
