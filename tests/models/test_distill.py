"""TTADistillEncoderDecoder: a frozen TTA teacher and its KL term."""
import copy

import pytest
import torch
import torch.nn.functional as F
from mmengine.config import ConfigDict
from mmseg.registry import MODELS

from tests.models.base import BACKBONE, HEAD, build_segmentor, count


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


@pytest.mark.parametrize('several', [False, True])
def test_distill_auxiliary_losses_are_encoder_decoders(tmp_path, several):
    """Auxiliary heads' losses: the keys and values of mmseg's
    EncoderDecoder.loss for the same weights, beside the distill term."""
    _, path = _teacher_file(tmp_path)
    aux = dict(type='FCNHead', in_channels=64, in_index=0, channels=16,
               num_convs=1, concat_input=False, num_classes=5,
               norm_cfg=dict(type='BN'),
               loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4))
    aux_cfg = [aux, dict(aux, in_channels=128, in_index=1)] if several \
        else aux
    torch.manual_seed(0)
    model = _distill_segmentor(path, teacher_scales=(1.0, ),
                               teacher_flip=False, auxiliary_head=aux_cfg)
    plain = MODELS.build(
        dict(type='EncoderDecoder', backbone=BACKBONE,
             decode_head=dict(HEAD, num_classes=5),
             auxiliary_head=copy.deepcopy(aux_cfg),
             test_cfg=ConfigDict(mode='whole')))
    plain.load_state_dict(model.state_dict())
    model.eval(), plain.eval()
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 64, 96, generator=g)
    labels = torch.randint(0, 5, (2, 64, 96), generator=g)
    ours = model.loss(x, _samples(labels))
    theirs = plain.loss(x, _samples(labels))
    assert set(ours) == set(theirs) | {'distill.loss_distill'}
    aux_keys = {'aux_0.loss_ce', 'aux_1.loss_ce'} if several \
        else {'aux.loss_ce'}
    assert aux_keys <= set(ours)
    for key, value in theirs.items():
        torch.testing.assert_close(ours[key], value)
