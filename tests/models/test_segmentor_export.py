"""SegmentorExportWrapper: labels and probabilities in one traceable call."""
import copy
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch

from mmseg_fastscnn.models import SegmentorExportWrapper
from tests.models.base import build_segmentor
from tests.utils import SHIPPED


@pytest.mark.parametrize('size', [(64, 96), (45, 61), (360, 480)])
def test_cls_equals_argmax_of_prob(size):
    model = build_segmentor().eval()
    x = torch.randn(2, 3, *size)
    with torch.no_grad():
        cls = SegmentorExportWrapper(model, 'cls')(x)
        prob = SegmentorExportWrapper(model, 'prob')(x)
    assert cls.shape == (2, *size) and cls.dtype == torch.int64
    assert prob.shape == (2, 11, *size)
    torch.testing.assert_close(prob.sum(1), torch.ones(2, *size))
    assert torch.equal(cls, prob.argmax(1))


def test_cls_mode_never_computes_softmax(monkeypatch):
    model = build_segmentor().eval()
    calls = []

    def counting(original):
        def wrapped(*args, **kwargs):
            calls.append(1)
            return original(*args, **kwargs)
        return wrapped

    # every way to spell softmax
    monkeypatch.setattr(torch.Tensor, 'softmax',
                        counting(torch.Tensor.softmax))
    monkeypatch.setattr(torch, 'softmax', counting(torch.softmax))
    monkeypatch.setattr(torch.nn.functional, 'softmax',
                        counting(torch.nn.functional.softmax))
    with torch.no_grad():
        SegmentorExportWrapper(model, 'cls')(torch.randn(1, 3, 64, 64))
    assert calls == []
    with torch.no_grad():
        SegmentorExportWrapper(model, 'prob')(torch.randn(1, 3, 64, 64))
    assert calls == [1]


def test_jit_trace_matches_eager():
    model = build_segmentor().eval()
    wrapper = SegmentorExportWrapper(model, 'cls')
    x = torch.randn(1, 3, 96, 128)
    with torch.no_grad():
        traced = torch.jit.trace(wrapper, x, check_trace=True)
        assert torch.equal(traced(x), wrapper(x))
        x2 = torch.randn(1, 3, 96, 128)
        assert torch.equal(traced(x2), wrapper(x2))


@pytest.mark.parametrize('mode', ['cls', 'prob'])
def test_onnx_export_matches_eager(tmp_path, mode, camvid_root):
    """The shipped weights on a real (downsized) CamVid frame, so that the
    labels compared are a real street-scene labelling, not one class."""
    ort = pytest.importorskip('onnxruntime')
    pytest.importorskip('onnx')
    model = build_segmentor().eval()
    shipped = torch.load(SHIPPED, weights_only=True)['state_dict']
    model.load_state_dict(shipped)
    wrapper = SegmentorExportWrapper(copy.deepcopy(model), mode)
    name = sorted(os.listdir(osp.join(camvid_root, 'val')))[0]
    frame = mmcv.imresize(
        mmcv.imread(osp.join(camvid_root, 'val', name)), (128, 96))
    x = torch.from_numpy(frame.transpose(2, 0, 1)[None].astype(np.float32))
    path = str(tmp_path / f'fastscnn_{mode}.onnx')
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (x, ),
            path,
            input_names=['image'],
            output_names=[mode],
            dynamo=True,
            external_data=False)
        expected = wrapper(x).numpy()
    session = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = session.run(None, {'image': x.numpy()})[0]
    if mode == 'cls':
        assert len(np.unique(expected)) >= 5
        assert (got == expected).mean() > 0.999
    else:
        assert abs(got - expected).max() < 1e-4
