"""FastSCNNClassifierHead: its inference modes (cls, prob, logits)."""
import pytest
import torch
from mmseg.registry import MODELS

from mmseg_fastscnn.models import SegmentorExportWrapper
from tests.models.base import HEAD, build_segmentor


def test_bad_infer_mode_is_refused_wherever_it_is_set():
    modes = r"\('cls', 'prob', 'logits'\), got 'softmax'"
    with pytest.raises(ValueError, match=modes):
        MODELS.build(dict(HEAD, infer_mode='softmax'))
    model = build_segmentor().eval()
    head = model.decode_head
    with pytest.raises(ValueError, match=modes):
        head.infer_mode = 'softmax'  # as a tool sets it after the build
    assert head.infer_mode == 'cls'
    with pytest.raises(ValueError, match=modes):
        head.infer(torch.zeros(1, 11, 4, 4), (8, 8), 'softmax')
    with pytest.raises(ValueError, match=modes):
        SegmentorExportWrapper(model, 'softmax')
    for mode in ('cls', 'prob', 'logits'):
        head.infer_mode = mode
        assert SegmentorExportWrapper(model).infer_mode == mode


def test_predict_prob_mode_returns_probabilities():
    from mmseg.structures import SegDataSample
    model = build_segmentor().eval()
    model.decode_head.infer_mode = 'prob'
    x = torch.randn(1, 3, 64, 96)
    meta = dict(img_shape=(64, 96), ori_shape=(64, 96), pad_shape=(64, 96))
    with torch.no_grad():
        out = model.predict(x, [SegDataSample(metainfo=meta)])[0]
    probs = out.seg_logits.data
    torch.testing.assert_close(probs.sum(0), torch.ones(64, 96))
    assert torch.equal(out.pred_sem_seg.data[0], probs.argmax(0))
