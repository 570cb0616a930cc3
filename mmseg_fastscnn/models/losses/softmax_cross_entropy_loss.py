"""Softmax cross-entropy that is correct with class weights and ignored pixels.

Why not mmseg's ``CrossEntropyLoss``: in mmseg 1.2.2, ``class_weight`` with
mean reduction indexes the weights with every label, so an ignored pixel
(255) raises IndexError.
"""
from typing import Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.models.utils import resize
from mmseg.registry import MODELS
from .class_weight import (ClassWeight, as_tensor, check_num_classes,
                           load_class_weight)
from .reduction import check_reduction, reduce_pixel_loss, resolve_reduction
from .upsampled_cross_entropy import upsampled_cross_entropy

FLOAT32_EPS = torch.finfo(torch.float32).eps


def softmax_cross_entropy(pred: Tensor,
                          target: Tensor,
                          class_weight: Optional[Tensor] = None,
                          ignore_index: int = 255,
                          label_smoothing: float = 0.0,
                          pixel_weight: Optional[Tensor] = None,
                          reduction: str = 'mean',
                          avg_factor: Optional[float] = None) -> Tensor:
    """Cross-entropy over non-ignored pixels, reduced as mmseg's losses are.

    Args:
        pred: Logits (N, K, H, W).
        target: Labels (N, H, W); ``ignore_index`` marks void.
        class_weight: (K,) weights; the mean is weighted by the target
            classes' weights, exactly like ``F.cross_entropy(weight=...)``.
        ignore_index: Label that contributes nothing.
        label_smoothing: Torch's label smoothing in [0, 1).
        pixel_weight: Optional (N, H, W) weights (e.g. from a pixel sampler);
            the default mean divides by the kept pixels' weights.
        reduction: 'none' -> (N, H, W) per-pixel losses (class and pixel
            weights applied, 0 at ignored pixels); 'mean' or 'sum' -> scalar.
        avg_factor: Under 'mean', the sum is divided by it instead
            (mmseg's ``weight_reduce_loss``).

    Returns:
        (N, H, W) or a scalar; a mean of 0 (with a gradient path) when every
        pixel is ignored.
    """
    check_reduction(reduction)
    valid = target != ignore_index
    if reduction == 'mean' and avg_factor is None and pixel_weight is None:
        if not bool(valid.any()):
            return pred.sum() * 0.0
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
    denom = valid.to(loss.dtype)
    if class_weight is not None:
        safe_target = torch.where(valid, target, torch.zeros_like(target))
        denom = denom * class_weight.to(loss.dtype)[safe_target]
    return reduce_pixel_loss(loss, denom, pixel_weight, reduction,
                             avg_factor)


@MODELS.register_module()
class SoftmaxCrossEntropyLoss(nn.Module):
    """Softmax CE with optional class weights and label smoothing, under
    mmseg's loss contract (``weight``, ``avg_factor``,
    ``reduction_override``, ``ignore_index``, ``loss_name``), so mmseg's
    ``OHEMPixelSampler`` works with it in both of its modes.

    ``pred`` may be smaller than ``target`` (logits at the feature size, as
    :class:`FastSCNNClassifierHead` passes them): the loss then upsamples
    them bilinearly itself, fused with the CE (:func:`upsampled_cross_entropy`,
    the same value as resizing first) for a 'mean' or 'sum' on a CPU, where
    it is measured 1.5-3.6x faster (``tools/analysis/
    benchmark_upsampled_ce.py``); elsewhere (unmeasured), and for per-pixel
    losses ('none'), pixel weights or label smoothing, the logits are
    resized first.

    Args:
        class_weight (list[float] | str | None): Per-class weights, or a
            file: a class-statistics JSON (see ``class_weight_scheme``) or
            any file mmseg's ``get_class_weight`` reads (.npy, .pkl, ...).
        class_weight_scheme (str): Key in a class-statistics JSON's
            ``weights``: 'inverse', 'median' or 'enet'. Default: 'enet'.
        label_smoothing (float): In [0, 1). Default: 0.
        loss_weight (float): Multiplier of the loss. Default: 1.
        loss_name (str): Name in the log; must start with ``loss_``.
            Default: 'loss_ce'.
        reduction (str): 'none', 'mean' or 'sum', unless the caller's
            ``reduction_override`` says otherwise. Default: 'mean'.
        fused_upsample (str | bool): 'auto': the fused path on a CPU only;
            True / False: on every device / nowhere. Default: 'auto'.
    """

    def __init__(self,
                 class_weight: ClassWeight = None,
                 class_weight_scheme: str = 'enet',
                 label_smoothing: float = 0.0,
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_ce',
                 reduction: str = 'mean',
                 fused_upsample: Union[str, bool] = 'auto') -> None:
        super().__init__()
        if fused_upsample not in ('auto', True, False):
            raise ValueError("fused_upsample must be 'auto', True or False, "
                             f'got {fused_upsample!r}')
        self.fused_upsample = fused_upsample
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
        self.reduction = check_reduction(reduction)
        self._loss_name = loss_name

    accepts_low_res_logits = True

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = 255,
                align_corners: bool = False,
                **kwargs) -> Tensor:
        """pred (N, K, h, w) logits, target (N, H, W), optional pixel
        ``weight`` (N, H, W) -> a scalar, or (N, H, W) under 'none';
        ``align_corners`` upsamples pred when (h, w) != (H, W)."""
        reduction = resolve_reduction(self.reduction, reduction_override,
                                      avg_factor)
        check_num_classes(self.class_weight, pred.shape[1], self.loss_name)
        target = target.long()
        if pred.shape[-2:] != target.shape[-2:]:
            fused = self.fused_upsample is True or (
                self.fused_upsample == 'auto' and pred.device.type == 'cpu')
            if (fused and weight is None and reduction != 'none'
                    and self.label_smoothing == 0):
                fused = 'mean' if (reduction == 'mean'
                                   and avg_factor is None) else 'sum'
                value = upsampled_cross_entropy(pred, target,
                                                self.class_weight,
                                                ignore_index, align_corners,
                                                reduction=fused)
                if avg_factor is not None:  # mmseg's weight_reduce_loss
                    value = value / (avg_factor + FLOAT32_EPS)
                return self.loss_weight * value
            pred = resize(pred, size=target.shape[-2:], mode='bilinear',
                          align_corners=align_corners)
        return self.loss_weight * softmax_cross_entropy(
            pred, target, self.class_weight, ignore_index,
            self.label_smoothing, weight, reduction, avg_factor)

    @property
    def loss_name(self) -> str:
        return self._loss_name
