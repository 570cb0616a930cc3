"""Softmax cross-entropy that is correct with class weights and ignored pixels.

Why not mmseg's ``CrossEntropyLoss``: in mmseg 1.2.2, ``class_weight`` with
mean reduction indexes the weights with every label, so an ignored pixel
(255) raises IndexError.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from .class_weight import (ClassWeight, as_tensor, check_num_classes,
                           load_class_weight)
from .upsampled_cross_entropy import upsampled_cross_entropy


def softmax_cross_entropy(pred: Tensor,
                          target: Tensor,
                          class_weight: Optional[Tensor] = None,
                          ignore_index: int = 255,
                          label_smoothing: float = 0.0,
                          pixel_weight: Optional[Tensor] = None) -> Tensor:
    """Mean cross-entropy over non-ignored pixels, as torch defines it.

    Args:
        pred: Logits (N, K, H, W).
        target: Labels (N, H, W); ``ignore_index`` marks void.
        class_weight: (K,) weights; the mean is weighted by the target
            classes' weights, exactly like ``F.cross_entropy(weight=...)``.
        ignore_index: Label that contributes nothing.
        label_smoothing: Torch's label smoothing in [0, 1).
        pixel_weight: Optional (N, H, W) weights (e.g. from a pixel sampler).

    Returns:
        Scalar tensor; 0 (with a gradient path) when every pixel is ignored.
    """
    valid = target != ignore_index
    if not bool(valid.any()):
        return pred.sum() * 0.0
    if pixel_weight is None:
        return F.cross_entropy(
            pred,
            target,
            weight=class_weight,
            ignore_index=ignore_index,
            label_smoothing=label_smoothing)
    loss = F.cross_entropy(
        pred,
        target,
        weight=class_weight,
        ignore_index=ignore_index,
        label_smoothing=label_smoothing,
        reduction='none')
    safe_target = torch.where(valid, target, torch.zeros_like(target))
    denom = valid.float()
    if class_weight is not None:
        denom = denom * class_weight[safe_target]
    denom = denom * pixel_weight
    return (loss * pixel_weight).sum() / denom.sum().clamp_min(1e-12)


@MODELS.register_module()
class SoftmaxCrossEntropyLoss(nn.Module):
    """Softmax CE with optional class weights and label smoothing.

    ``pred`` may be smaller than ``target`` (logits at the feature size, as
    :class:`FastSCNNClassifierHead` passes them): the loss then upsamples
    them bilinearly itself, fused with the CE (:func:`upsampled_cross_entropy`,
    the same value as resizing first) unless label smoothing or pixel
    weights need the resized logits.

    Args:
        class_weight (list[float] | str | None): Per-class weights, or the
            path of a class-statistics JSON (see ``class_weight_scheme``).
        class_weight_scheme (str): Key in that JSON's ``weights``: 'inverse',
            'median' or 'enet'. Default: 'enet'.
        label_smoothing (float): In [0, 1). Default: 0.
        loss_weight (float): Multiplier of the loss. Default: 1.
        loss_name (str): Name in the log; must start with ``loss_``.
    """

    def __init__(self,
                 class_weight: ClassWeight = None,
                 class_weight_scheme: str = 'enet',
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce') -> None:
        super().__init__()
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(
                f'label_smoothing must be in [0, 1), got {label_smoothing}')
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f'loss_name must start with "loss_", got {loss_name!r}')
        weight = as_tensor(load_class_weight(class_weight,
                                             class_weight_scheme))
        self.register_buffer('class_weight', weight, persistent=False)
        self.label_smoothing = label_smoothing
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    accepts_low_res_logits = True

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                align_corners: bool = False,
                **kwargs) -> Tensor:
        """pred (N, K, h, w) logits, target (N, H, W) -> scalar loss;
        ``align_corners`` upsamples pred when (h, w) != (H, W)."""
        check_num_classes(self.class_weight, pred.shape[1], self.loss_name)
        if pred.shape[-2:] != target.shape[-2:]:
            if weight is None and self.label_smoothing == 0:
                return self.loss_weight * upsampled_cross_entropy(
                    pred, target.long(), self.class_weight, ignore_index,
                    align_corners)
            pred = resize(pred, size=target.shape[-2:], mode='bilinear',
                          align_corners=align_corners)
        return self.loss_weight * softmax_cross_entropy(
            pred, target.long(), self.class_weight, ignore_index,
            self.label_smoothing, weight)

    @property
    def loss_name(self) -> str:
        return self._loss_name
