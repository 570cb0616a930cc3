"""SegmentorExportWrapper: labels and probabilities in one traceable call."""
import pytest
import torch

from mmseg_fastscnn.models import SegmentorExportWrapper
from tests.models.base import build_segmentor


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
