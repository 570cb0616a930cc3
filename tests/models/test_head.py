"""FastSCNNClassifierHead: logits out; labels, probabilities or logits
chosen where predictions leave the model."""
import pytest
import torch
from mmseg.models.utils import resize
from mmseg.registry import MODELS

from mmseg_fastscnn.models import SegmentorExportWrapper
from mmseg_fastscnn.models.outputs import logits_to_output
from tests.models.base import HEAD, build_segmentor


def test_output_mode_is_chosen_where_predictions_leave_the_model():
    """The head predicts logits; the wrapper turns them into labels,
    probabilities or logits; a bad mode is refused wherever it is given."""
    from mmseg.structures import SegDataSample
    modes = r"\('cls', 'prob', 'logits'\), got 'softmax'"
    with pytest.raises(ValueError, match=modes):
        MODELS.build(dict(HEAD, infer_mode='softmax'))
    model = build_segmentor().eval()
    with pytest.raises(ValueError, match=modes):
        SegmentorExportWrapper(model, 'softmax')
    with pytest.raises(ValueError, match=modes):
        logits_to_output(torch.zeros(1, 11, 4, 4), 'softmax', (8, 8))
    x = torch.randn(1, 3, 64, 96)
    meta = dict(img_shape=(64, 96), ori_shape=(64, 96), pad_shape=(64, 96))
    with torch.no_grad():
        out = model.predict(x, [SegDataSample(metainfo=meta)])[0]
        logits = SegmentorExportWrapper(model, 'logits')(x)[0]
        probs = SegmentorExportWrapper(model, 'prob')(x)[0]
        labels = SegmentorExportWrapper(model, 'cls')(x)[0]
    torch.testing.assert_close(out.seg_logits.data, logits)  # not softmaxed
    torch.testing.assert_close(probs.sum(0), torch.ones(64, 96))
    torch.testing.assert_close(probs, logits.softmax(0))
    assert torch.equal(labels, logits.argmax(0))
    assert torch.equal(out.pred_sem_seg.data[0], labels)


def test_head_classifies_the_in_index_feature_map():
    """in_index picks the map the head classifies; a multi-map
    input_transform is refused in one line naming the key."""
    torch.manual_seed(0)
    head = MODELS.build(dict(HEAD, in_index=0)).eval()
    small = torch.randn(1, HEAD['in_channels'], 4, 6)
    large = torch.randn(1, HEAD['in_channels'], 8, 12)
    with torch.no_grad():
        assert head((small, large)).shape[-2:] == (4, 6)
        head.in_index = -1
        assert head((small, large)).shape[-2:] == (8, 12)
    with pytest.raises(ValueError, match="input_transform must be None, got "
                       "'resize_concat'"):
        MODELS.build(dict(HEAD, in_index=[0, 1], in_channels=[64, 64],
                          input_transform='resize_concat'))


def test_skip_adds_class_scores_at_the_finer_map():
    """With skip_in_index the logits come at the skip map's size: at first
    the paper head's upsampled (the skip conv starts at zero), after one
    optimiser step changed by the skip map's own scores."""
    torch.manual_seed(0)
    head = MODELS.build(dict(HEAD, in_index=0, skip_in_index=1,
                             skip_channels=48)).train()
    plain = MODELS.build(dict(HEAD, in_index=0)).train()
    plain.load_state_dict(head.state_dict(), strict=False)
    head.dropout = plain.dropout = torch.nn.Identity()
    fusion = torch.randn(2, HEAD['in_channels'], 4, 6)
    quarter = torch.randn(2, 48, 8, 12)
    logits = head((fusion, quarter))
    assert logits.shape == (2, HEAD['num_classes'], 8, 12)
    expected = resize(plain((fusion, )), size=(8, 12), mode='bilinear',
                      align_corners=False)
    torch.testing.assert_close(logits, expected)
    labels = torch.randint(0, HEAD['num_classes'], (2, 8, 12))
    torch.nn.functional.cross_entropy(logits, labels).backward()
    torch.optim.SGD(head.skip_seg.parameters(), lr=1.0).step()
    moved = head((fusion, quarter)) - expected
    assert moved.abs().max() > 1e-2
    with pytest.raises(ValueError, match='skip_in_index needs skip_channels'):
        MODELS.build(dict(HEAD, skip_in_index=3))


def test_old_configs_infer_mode_is_ignored():
    """Configs written for the head's former infer_mode still build; 'prob'
    warns that seg_logits now hold logits."""
    MODELS.build(dict(HEAD, infer_mode='cls'))
    with pytest.warns(UserWarning, match="infer_mode='prob' is ignored"):
        head = MODELS.build(dict(HEAD, infer_mode='prob'))
    assert not hasattr(head, 'infer_mode')


def test_tta_probabilities_are_the_mean_of_each_views_softmax(camvid_root):
    """TTA's merged seg_logits: their softmax is the mean of the views'
    probabilities, summing to 1 (mmseg's SegTTAModel left the last view's
    seg_logits; a head in the former 'prob' mode had them softmaxed twice,
    no class above e/(e+10) = 0.21), on a real frame with the shipped
    model."""
    import copy
    import os
    import os.path as osp

    from mmengine.config import Config
    from mmengine.dataset import Compose, pseudo_collate
    from mmseg_fastscnn.apis import init_model_checked
    from tests.utils import CONFIG, SHIPPED
    cfg = Config.fromfile(CONFIG)
    cfg.model.decode_head.infer_mode = 'prob'  # 'prob mode', as it was
    cfg.tta_model.module = cfg.model
    with pytest.warns(UserWarning, match="infer_mode='prob' is ignored"):
        tta = MODELS.build(cfg.tta_model)
        tta.module = init_model_checked(cfg, SHIPPED)
    tta.eval()
    name = sorted(os.listdir(osp.join(camvid_root, 'val')))[0]
    sample = dict(img_path=osp.join(camvid_root, 'val', name),
                  seg_map_path=osp.join(camvid_root, 'valannot', name),
                  reduce_zero_label=False, seg_fields=[])
    pipeline = [t for t in cfg.tta_pipeline]
    pipeline[1].transforms = [[t for t in pipeline[1].transforms[0][:1]],
                              *pipeline[1].transforms[1:]]  # 1 scale x 2 flips
    data = Compose(pipeline)(sample)
    batch = pseudo_collate([data])
    with torch.no_grad():
        out = tta.test_step(copy.deepcopy(batch))[0]
        views = [tta.module.test_step(dict(inputs=inputs, data_samples=ds))[0]
                 for inputs, ds in zip(batch['inputs'],
                                       batch['data_samples'])]
    probs = out.seg_logits.data.softmax(0)
    assert probs.shape == (11, 360, 480)
    torch.testing.assert_close(probs.sum(0), torch.ones(360, 480))
    mean = torch.stack([v.seg_logits.data.softmax(0) for v in views]).mean(0)
    torch.testing.assert_close(probs, mean)
    assert torch.equal(out.pred_sem_seg.data[0], mean.argmax(0))
    assert (probs.max(0).values > 0.5).float().mean() > 0.8


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
