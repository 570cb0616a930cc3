"""An EncoderDecoder trained on its labels and, pixel by pixel, on a frozen
teacher's test-time-augmented (multi-scale, flipped) predictions.

Why our own: mmseg has no distillation segmentor; mmrazor's distillers are
another toolbox built around recording features, while the signal here is
a TTA ensemble of the teacher's outputs.
"""
from typing import Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import ConfigDict
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList, add_prefix

from ...checkpoint import (check_checkpoint_fits, load_checkpoint_file,
                           load_weights)


@MODELS.register_module()
class TTADistillEncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` with a distillation term from a TTA teacher.

    The teacher has the student's architecture and the weights of
    ``teacher_checkpoint``. On every training batch it predicts each crop at
    ``teacher_scales`` (and flipped), the way mmseg's ``SegTTAModel`` merges
    them: softmax probabilities resized back to the crop and averaged. The
    student is trained on its decode head's own losses plus
    ``distill_loss(student logits, teacher probabilities)`` over labelled
    pixels. Inference is plain ``EncoderDecoder``: single scale, no teacher.

    The teacher is not a submodule: it is neither trained nor saved in
    checkpoints, so a checkpoint of this model loads into ``EncoderDecoder``.

    Args:
        teacher_checkpoint: Weights for the teacher (a published checkpoint
            or a bare state dict), loaded weights-only.
        teacher_scales: Resize factors of the crops for the teacher.
        teacher_flip: Also predict the horizontally flipped crops.
        distill_loss: Config of the term, e.g. ``SoftTargetKLLoss``.
        **kwargs: ``EncoderDecoder``'s arguments (backbone, decode_head...).
    """

    def __init__(self,
                 teacher_checkpoint: str,
                 teacher_scales: Sequence[float] = (0.75, 1.0, 1.25, 1.5),
                 teacher_flip: bool = True,
                 distill_loss: ConfigType = dict(type='SoftTargetKLLoss'),
                 **kwargs) -> None:
        super().__init__(**kwargs)
        scales = tuple(float(s) for s in teacher_scales)
        if not scales or min(scales) <= 0:
            raise ValueError('teacher_scales must be positive factors, got '
                             f'{teacher_scales!r}')
        self.teacher_scales = scales
        self.teacher_flip = bool(teacher_flip)
        self.distill_loss = MODELS.build(distill_loss)
        # the teacher needs no auxiliary heads: their weights are skipped
        teacher = MODELS.build(
            ConfigDict(
                type='EncoderDecoder',
                backbone=kwargs['backbone'],
                neck=kwargs.get('neck'),
                decode_head=kwargs['decode_head']))
        ckpt = load_checkpoint_file(teacher_checkpoint)
        check_checkpoint_fits(teacher, ckpt,
                              f'{teacher_checkpoint} (teacher_checkpoint)')
        load_weights(teacher, ckpt)
        teacher.eval().requires_grad_(False)
        # a list hides it from nn.Module: not trained, moved or saved with us
        self._teacher = [teacher]

    @property
    def teacher(self) -> EncoderDecoder:
        return self._teacher[0]

    def train(self, mode: bool = True) -> 'TTADistillEncoderDecoder':
        super().train(mode)
        self.teacher.eval()  # BN statistics of the teacher stay frozen
        return self

    @torch.no_grad()
    def teacher_probs(self, inputs: Tensor) -> Tensor:
        """Normalised images (N, 3, H, W) -> the teacher's TTA class
        probabilities (N, K, H, W)."""
        teacher = self.teacher.to(inputs.device)
        size = inputs.shape[2:]
        flips = (False, True) if self.teacher_flip else (False, )
        total = None
        for scale in self.teacher_scales:
            scaled = inputs if scale == 1.0 else F.interpolate(
                inputs, scale_factor=scale, mode='bilinear',
                align_corners=False)
            for flip in flips:
                x = scaled.flip(3) if flip else scaled
                logits = teacher.decode_head(teacher.extract_feat(x))
                logits = resize(
                    logits,
                    size=size,
                    mode='bilinear',
                    align_corners=teacher.decode_head.align_corners)
                probs = logits.softmax(dim=1)
                probs = probs.flip(3) if flip else probs
                total = probs if total is None else total + probs
        return total / (len(self.teacher_scales) * len(flips))

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """The decode head's losses (prefix ``decode.``), auxiliary heads'
        if any, and ``distill.<loss_name>`` on labelled pixels."""
        x = self.extract_feat(inputs)
        head = self.decode_head
        seg_logits = head.forward(x)
        losses = add_prefix(head.loss_by_feat(seg_logits, data_samples),
                            'decode')
        if self.with_auxiliary_head:  # as EncoderDecoder.loss names them
            aux_heads = self.auxiliary_head
            several = isinstance(aux_heads, nn.ModuleList)
            for idx, aux in enumerate(aux_heads if several else [aux_heads]):
                losses.update(add_prefix(
                    aux.loss(x, data_samples, self.train_cfg),
                    f'aux_{idx}' if several else 'aux'))
        labels = torch.stack(
            [sample.gt_sem_seg.data for sample in data_samples]).squeeze(1)
        logits = resize(
            seg_logits,
            size=labels.shape[1:],
            mode='bilinear',
            align_corners=head.align_corners)
        target = self.teacher_probs(inputs)
        if target.shape[2:] != labels.shape[1:]:
            target = resize(target, size=labels.shape[1:], mode='bilinear',
                            align_corners=False)
        valid = labels != head.ignore_index
        losses[f'distill.{self.distill_loss.loss_name}'] = self.distill_loss(
            logits, target, valid)
        return losses
