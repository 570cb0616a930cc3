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


def test_train_accuracy_on_a_pixel_grid():
    """acc_seg at stride 1 is mmseg's accuracy itself; at stride s it is the
    accuracy of the pixels on the s-grid, ignored pixels left out."""
    from mmseg.models.losses import accuracy

    from mmseg_fastscnn.models.decode_heads.fastscnn_classifier_head import \
        pixel_accuracy
    logits = torch.randn(2, 11, 12, 16)
    labels = logits.argmax(1)
    labels[:, ::4, ::4] = (labels[:, ::4, ::4] + 1) % 11  # grid pixels wrong
    labels[0, 0, :] = 255
    assert pixel_accuracy(logits, labels, 255, 1) == accuracy(
        logits, labels, ignore_index=255)
    assert float(pixel_accuracy(logits, labels, 255, 4)) == 0.0
    labels[:, ::4, ::4] = logits.argmax(1)[:, ::4, ::4]
    labels[0, 0, :] = 255
    assert float(pixel_accuracy(logits, labels, 255, 4)) == 100.0
    assert float(pixel_accuracy(logits, torch.full_like(labels, 255), 255,
                                4)) == 0.0


def test_loss_logs_accuracy_at_its_stride():
    """The head's losses: the config's loss under its name, acc_seg from the
    train_acc_stride grid; a bad stride is refused."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    head = build_segmentor().decode_head.eval()  # no dropout: same loss
    feats = (torch.randn(2, 64, 8, 12), torch.randn(2, 128, 2, 3),
             torch.randn(2, 128, 8, 12))
    samples = []
    for _ in range(2):
        s = SegDataSample(metainfo=dict(img_shape=(64, 96)))
        s.gt_sem_seg = PixelData(data=torch.randint(0, 11, (1, 64, 96)))
        samples.append(s)
    exact = head.loss(feats, samples, None)
    head.train_acc_stride = 1
    every = head.loss(feats, samples, None)
    assert set(exact) == {'loss_ce', 'acc_seg'}
    assert torch.allclose(exact['loss_ce'], every['loss_ce'])
    assert abs(float(exact['acc_seg']) - float(every['acc_seg'])) < 5
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match='train_acc_stride must be'):
            MODELS.build(dict(HEAD, train_acc_stride=bad))
