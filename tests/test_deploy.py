"""Deployment paths: BN folding, the fast PyTorch path, ONNX export, INT8."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from PIL import Image

from mmseg_fastscnn.deploy import (build_fast_model, create_session,
                                   export_onnx, fold_batchnorm, onnx_parity,
                                   quantize_int8)
from mmseg_fastscnn.models import SegmentorExportWrapper

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def model():
    """The main config's model with non-trivial BN statistics."""
    torch.manual_seed(0)
    m = MODELS.build(
        Config.fromfile(osp.join(ROOT, 'configs',
                                 'fastscnn_camvid.py')).model).eval()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.5, 0.5)
    return m


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
        bgr = np.asarray(Image.open(osp.join(camvid_root, 'val',
                                             name)).convert('RGB'))[..., ::-1]
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


def test_onnx_export_dynamic_parity_and_int8(model, tmp_path):
    pytest.importorskip('onnxruntime')
    path = export_onnx(model, str(tmp_path / 'm.onnx'), 'cls', (64, 96),
                       dynamic=True)
    session = create_session(path, threads=1)
    # dynamic batch; 64x96 gives a 2x3 map at 1/32: PPM bins 3 and 6 do
    # not divide it, which torch's legacy exporter refuses
    x = (np.random.default_rng(0).random((3, 3, 64, 96)) * 255).astype(
        np.float32)
    labels = session.run(None, {'image': x})[0]
    assert labels.shape == (3, 64, 96)
    images = [(np.random.default_rng(i).random((64, 96, 3)) * 255).astype(
        np.uint8) for i in range(2)]
    parity = onnx_parity(model, path, images)
    assert parity['max_logit_diff'] < 1e-3
    assert parity['label_agreement'] > 0.999
    int8 = quantize_int8(path, str(tmp_path / 'm8.onnx'), images)
    out8 = create_session(int8, 1).run(None, {'image': x})[0]
    assert out8.shape == (3, 64, 96)
    assert osp.getsize(int8) < osp.getsize(path)
