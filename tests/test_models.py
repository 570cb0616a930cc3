"""Fast-SCNN backbone and classifier against the paper's Table 1."""
import copy
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.models.utils import InvertedResidual
from mmseg.registry import MODELS

from mmseg_fastscnn.models import SegmentorExportWrapper

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

BACKBONE = dict(type='FastSCNNPaper')
HEAD = dict(
    type='FastSCNNClassifierHead',
    in_channels=128,
    channels=128,
    num_classes=11,
    norm_cfg=dict(type='BN'),
    loss_decode=dict(type='SoftmaxCrossEntropyLoss'))


def build_segmentor(num_classes=11, **backbone):
    head = dict(HEAD, num_classes=num_classes)
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size_divisor=32,
                seg_pad_val=255),
            backbone=dict(BACKBONE, **backbone),
            decode_head=head,
            test_cfg=ConfigDict(mode='whole')))


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def test_stage_shapes_match_table1_at_1024x2048():
    backbone = MODELS.build(BACKBONE).eval()
    x = torch.randn(1, 3, 1024, 2048)
    shapes = {}
    hooks = [
        backbone.learning_to_downsample.conv.register_forward_hook(
            lambda m, i, o: shapes.__setitem__('conv', o.shape)),
        backbone.learning_to_downsample.dsconv1.register_forward_hook(
            lambda m, i, o: shapes.__setitem__('ds1', o.shape)),
    ]
    gfe = backbone.global_feature_extractor
    for name in ('bottleneck1', 'bottleneck2', 'bottleneck3'):
        hooks.append(
            getattr(gfe, name).register_forward_hook(
                lambda m, i, o, name=name: shapes.__setitem__(name, o.shape)))
    with torch.no_grad():
        higher, lower, fusion = backbone(x)
    for h in hooks:
        h.remove()
    assert shapes['conv'] == (1, 32, 512, 1024)
    assert shapes['ds1'] == (1, 48, 256, 512)
    assert higher.shape == (1, 64, 128, 256)
    assert shapes['bottleneck1'] == (1, 64, 64, 128)
    assert shapes['bottleneck2'] == (1, 96, 32, 64)
    assert shapes['bottleneck3'] == (1, 128, 32, 64)
    assert lower.shape == (1, 128, 32, 64)  # after PPM
    assert fusion.shape == (1, 128, 128, 256)  # FFM output
    head = MODELS.build(HEAD).eval()
    with torch.no_grad():
        logits = head((higher, lower, fusion))
    assert logits.shape == (1, 11, 128, 256)


def test_bottleneck_counts_strides_and_residual_rule():
    backbone = MODELS.build(BACKBONE)
    gfe = backbone.global_feature_extractor
    expected = [(64, 2), (96, 2), (128, 1)]
    in_c = 64
    groups = (gfe.bottleneck1, gfe.bottleneck2, gfe.bottleneck3)
    for group, (out_c, stride) in zip(groups, expected):
        assert len(group) == 3
        for i, block in enumerate(group):
            assert isinstance(block, InvertedResidual)
            s = stride if i == 0 else 1
            # residual only where stride is 1 and channels match
            assert block.use_res_connect == (s == 1 and in_c == out_c)
            # expansion t = 6
            assert block.conv[0].conv.out_channels == in_c * 6
            in_c = out_c


def test_ffm_uses_dilated_depthwise_conv_and_1x1_ppm_fusion():
    backbone = MODELS.build(BACKBONE)
    dw = backbone.feature_fusion.dwconv.conv
    assert dw.groups == dw.in_channels == 128
    assert dw.dilation == (4, 4) and dw.kernel_size == (3, 3)
    ppm_out = backbone.global_feature_extractor.out.conv
    assert ppm_out.kernel_size == (1, 1)
    assert ppm_out.in_channels == 256 and ppm_out.out_channels == 128
    ppm = backbone.global_feature_extractor.ppm
    assert [m[0].output_size for m in ppm] == [1, 2, 3, 6]


def test_parameter_count_close_to_paper():
    n = count(MODELS.build(BACKBONE)) + count(MODELS.build(HEAD))
    assert 1_100_000 <= n <= 1_160_000, n


def test_mmseg_builtin_variant_is_bigger():
    """The reason this plugin exists: mmseg's FastSCNN is 1.40M."""
    theirs = count(MODELS.build(dict(type='FastSCNN'))) + count(
        MODELS.build(
            dict(
                type='DepthwiseSeparableFCNHead',
                in_channels=128,
                channels=128,
                concat_input=False,
                num_classes=11,
                in_index=-1)))
    ours = count(MODELS.build(BACKBONE)) + count(MODELS.build(HEAD))
    assert theirs > ours + 200_000


def test_options_change_the_model():
    base = count(MODELS.build(BACKBONE))
    no_ppm = MODELS.build(dict(BACKBONE, use_ppm=False))
    assert not hasattr(no_ppm.global_feature_extractor, 'ppm')
    assert count(no_ppm) < base
    half = MODELS.build(dict(BACKBONE, width_multiplier=0.5)).eval()
    assert count(half) < base / 2.5
    out = half(torch.randn(1, 3, 64, 96))
    assert [o.shape[1] for o in out] == [32, 64, 64]
    only_fusion = MODELS.build(dict(BACKBONE, out_indices=(2, ))).eval()
    assert len(only_fusion(torch.randn(1, 3, 64, 64))) == 1
    sync = MODELS.build(dict(BACKBONE, norm_cfg=dict(type='SyncBN')))
    assert any(isinstance(m, nn.SyncBatchNorm) for m in sync.modules())


@pytest.mark.parametrize('bad', [
    dict(out_indices=(3, )),
    dict(width_multiplier=0),
    dict(global_num_blocks=(3, 3)),
])
def test_bad_backbone_config_is_refused(bad):
    with pytest.raises(ValueError):
        MODELS.build(dict(BACKBONE, **bad))


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


def test_val_loss_is_computed_on_logits_in_every_mode():
    """ValLossHook gives the same loss whether the head predicts logits or
    probabilities, and leaves the head's mode as it found it."""
    from types import SimpleNamespace

    from mmengine.logging import MessageHub
    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData

    from mmseg_fastscnn.engine.hooks import ValLossHook
    torch.manual_seed(0)
    model = build_segmentor().eval()
    meta = dict(img_shape=(64, 96), ori_shape=(64, 96), pad_shape=(64, 96))
    sample = SegDataSample(metainfo=meta)
    sample.gt_sem_seg = PixelData(data=torch.randint(0, 11, (1, 64, 96)))
    batch = dict(inputs=[torch.randint(0, 255, (3, 64, 96)).float()],
                 data_samples=[sample])
    losses = {}
    for mode in ('cls', 'prob'):
        model.decode_head.infer_mode = mode
        hub = MessageHub.get_instance(f'val_loss_mode_{mode}')
        runner = SimpleNamespace(model=model, message_hub=hub)
        hook = ValLossHook()
        hook.before_val_epoch(runner)
        with torch.no_grad():
            outputs = model.val_step(copy.deepcopy(batch))
        hook.after_val_iter(runner, 0, batch, outputs)
        hook.after_val_epoch(runner)
        losses[mode] = hub.get_scalar('val/loss').current()
        assert model.decode_head.infer_mode == mode
    assert losses['cls'] > 1.0  # an untrained model: about log(11)
    assert losses['prob'] == pytest.approx(losses['cls'], rel=1e-5)


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


def test_model_trains_loss_decreases():
    torch.manual_seed(0)
    model = build_segmentor(num_classes=3)
    model.train()
    x = torch.randn(4, 3, 64, 64)
    # a learnable target: class by image quadrant, with some ignored pixels
    target = torch.zeros(4, 64, 64, dtype=torch.long)
    target[:, :, 32:] = 1
    target[:, 32:, :] = 2
    target[:, :4, :4] = 255
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for t in target:
        s = SegDataSample(metainfo=dict(img_shape=(64, 64)))
        s.gt_sem_seg = PixelData(data=t[None])
        samples.append(s)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
    losses = []
    for _ in range(15):
        loss = model.loss(x, samples)['decode.loss_ce']
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.6 * losses[0], losses


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
    shipped = torch.load(
        osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth'),
        weights_only=True)['state_dict']
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


def test_complexity_table_counts_every_block():
    from mmseg_fastscnn.analysis import TABLE1_ROWS, complexity_table
    model = build_segmentor().eval()
    rows, total = complexity_table(model, [(64, 128)])
    assert len(rows) == len(TABLE1_ROWS)
    assert total['params'] == count(model.backbone) + count(
        model.decode_head)
    assert sum(r['params'] for r in rows) == total['params']
    assert [r['c'] for r in rows] == [
        32, 48, 64, 64, 96, 128, '4x32', 128, 128, 128, 11
    ]
    assert rows[0]['input@64x128'] == '64x128x3'
    assert 0 < total['flops@64x128'] == pytest.approx(
        sum(r['flops@64x128'] for r in rows), rel=0.01)


def _distill_segmentor(teacher_ckpt, **kwargs):
    head = dict(HEAD, num_classes=5)
    return MODELS.build(
        dict(
            type='TTADistillEncoderDecoder',
            teacher_checkpoint=teacher_ckpt,
            backbone=BACKBONE,
            decode_head=head,
            test_cfg=ConfigDict(mode='whole'),
            **kwargs))


def _teacher_file(tmp_path, seed=0, num_classes=5):
    torch.manual_seed(seed)
    teacher = build_segmentor(num_classes=num_classes).eval()
    path = str(tmp_path / f'teacher{seed}_{num_classes}.pth')
    torch.save({'meta': {}, 'state_dict': teacher.state_dict()}, path)
    return teacher, path


def _samples(labels):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for label in labels:
        s = SegDataSample(gt_sem_seg=PixelData(data=label[None]))
        s.set_metainfo(dict(img_shape=label.shape, pad_shape=label.shape))
        samples.append(s)
    return samples


def test_distill_teacher_is_frozen_unsaved_and_tta_merged(tmp_path):
    teacher, path = _teacher_file(tmp_path)
    model = _distill_segmentor(path, teacher_scales=(1.0, 1.5))
    # the teacher is neither trained nor saved: a checkpoint of the student
    # loads strictly into a plain EncoderDecoder
    assert set(model.state_dict()) == set(teacher.state_dict())
    assert sum(p.numel() for p in model.parameters()) == count(teacher)
    model.train()
    assert not model.teacher.training
    assert not any(p.requires_grad for p in model.teacher.parameters())
    x = torch.randn(2, 3, 64, 96)
    # SegTTAModel's merge: softmax per pass, resized back, flips undone
    expected = 0
    with torch.no_grad():
        for scale in (1.0, 1.5):
            xs = F.interpolate(x, scale_factor=scale, mode='bilinear')
            for flip in (False, True):
                xi = xs.flip(3) if flip else xs
                logits = teacher.decode_head(teacher.extract_feat(xi))
                probs = F.interpolate(
                    logits, size=(64, 96), mode='bilinear').softmax(1)
                expected = expected + (probs.flip(3) if flip else probs)
    torch.testing.assert_close(model.teacher_probs(x), expected / 4)


def test_distill_loss_pulls_the_student_towards_the_teacher(tmp_path):
    teacher, path = _teacher_file(tmp_path)
    model = _distill_segmentor(
        path, teacher_scales=(1.0, ), teacher_flip=False,
        distill_loss=dict(type='SoftTargetKLLoss', loss_weight=1.0))
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 64, 96, generator=g)
    labels = torch.randint(0, 5, (2, 64, 96), generator=g)
    labels[:, :8] = 255
    # student == teacher, both in eval mode: nothing to distil
    model.load_state_dict(teacher.state_dict())
    model.eval()
    losses = model.loss(x, _samples(labels))
    assert {'decode.loss_ce', 'distill.loss_distill'} <= set(losses)
    assert float(losses['distill.loss_distill']) < 1e-6
    # another student: a positive term whose gradient reaches the student,
    # and a step on it leaves the teacher as it was
    torch.manual_seed(1)
    model = _distill_segmentor(
        path, teacher_scales=(1.0, ), teacher_flip=False).train()
    before = copy.deepcopy(model.teacher.state_dict())
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    first = None
    for _ in range(5):
        kl = model.loss(x, _samples(labels))['distill.loss_distill']
        first = float(kl) if first is None else first
        opt.zero_grad()
        kl.backward()
        opt.step()
    assert first > 0.01
    model.eval()
    after = float(model.loss(x, _samples(labels))['distill.loss_distill'])
    assert after < first
    for k, v in model.teacher.state_dict().items():
        torch.testing.assert_close(v, before[k])


def test_distill_refuses_missing_or_unfitting_teacher(tmp_path):
    missing = str(tmp_path / 'nope.pth')
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        _distill_segmentor(missing)
    _, path = _teacher_file(tmp_path, num_classes=11)
    with pytest.raises(
            ValueError,
            match=r'(?s)teacher_checkpoint.*conv_seg.weight: \(11, '):
        _distill_segmentor(path)
    teacher, ok = _teacher_file(tmp_path)
    with pytest.raises(ValueError, match='teacher_scales'):
        _distill_segmentor(ok, teacher_scales=(0.0, 1.0))
    # a teacher trained with auxiliary heads fits: their weights are skipped
    state = dict(teacher.state_dict())
    state['auxiliary_head.0.conv_seg.weight'] = torch.zeros(5, 32, 1, 1)
    torch.save({'state_dict': state}, tmp_path / 'aux.pth')
    model = _distill_segmentor(str(tmp_path / 'aux.pth'))
    assert set(model.teacher.state_dict()) == set(teacher.state_dict())
    # and a teacher that lacks weights is refused, naming them
    del state['decode_head.conv_seg.weight']
    torch.save(state, tmp_path / 'partial.pth')
    with pytest.raises(ValueError, match='conv_seg.weight: missing'):
        _distill_segmentor(str(tmp_path / 'partial.pth'))
    # and so is one with weights the model does not have (another design)
    state = dict(teacher.state_dict())
    state['backbone.extra.weight'] = torch.ones(2)
    torch.save(state, tmp_path / 'extra.pth')
    with pytest.raises(ValueError, match='backbone.extra.weight: not in the'):
        _distill_segmentor(str(tmp_path / 'extra.pth'))
