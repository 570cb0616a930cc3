"""Softmax focal loss (Lin et al., 2017) with per-class alpha.

Why not mmseg's ``FocalLoss``: it is sigmoid-based (one-vs-rest), while our
head is trained with a softmax over the classes.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.registry import MODELS
from .class_weight import (ClassWeight, as_tensor, check_num_classes,
                           load_class_weight)
from .reduction import check_reduction, reduce_pixel_loss, resolve_reduction


def softmax_focal_loss(pred: Tensor,
                       target: Tensor,
                       gamma: float = 2.0,
                       alpha: Optional[Tensor] = None,
                       ignore_index: int = 255,
                       pixel_weight: Optional[Tensor] = None,
                       reduction: str = 'mean',
                       avg_factor: Optional[float] = None) -> Tensor:
    """``-alpha_t (1 - p_t)^gamma log p_t`` over non-ignored pixels,
    reduced as mmseg's losses are.

    The default mean is weighted by ``alpha_t`` like a class-weighted CE, so
    gamma=0 gives exactly ``F.cross_entropy(weight=alpha, ignore_index=...)``.

    Args:
        pred: Logits (N, K, H, W).
        target: Labels (N, H, W).
        gamma: Focusing parameter >= 0.
        alpha: Optional (K,) class weights.
        ignore_index: Label that contributes nothing.
        pixel_weight: Optional (N, H, W) weights (e.g. from a pixel sampler
            such as mmseg's ``OHEMPixelSampler``), applied as in our CE.
        reduction: 'none' -> (N, H, W) (0 at ignored pixels), 'mean' or
            'sum' -> scalar.
        avg_factor: Under 'mean', divides the sum instead of the default.
    """
    check_reduction(reduction)
    valid = target != ignore_index
    safe_target = torch.where(valid, target, torch.zeros_like(target))
    log_p = F.log_softmax(pred, dim=1)
    log_pt = log_p.gather(1, safe_target.unsqueeze(1)).squeeze(1)
    pt = log_pt.exp()
    denom = valid.to(log_pt.dtype)
    if alpha is not None:
        denom = denom * alpha.to(log_pt.dtype)[safe_target]
    loss = -((1.0 - pt).clamp_min(0.0)**gamma) * log_pt * denom
    return reduce_pixel_loss(loss, denom, pixel_weight, reduction, avg_factor)


@MODELS.register_module()
class SoftmaxFocalLoss(nn.Module):
    """Softmax focal loss, under mmseg's loss contract (``weight``,
    ``avg_factor``, ``reduction_override``, ``ignore_index``,
    ``loss_name``): per-pixel, so mmseg's ``OHEMPixelSampler`` works with it
    in both of its modes.

    Args:
        gamma (float): Focusing parameter. Default: 2.
        alpha (list[float] | str | None): Per-class weights, or a file (see
            :class:`SoftmaxCrossEntropyLoss`'s ``class_weight``).
        alpha_scheme (str): Key in a class-statistics JSON's ``weights``.
            Default: 'enet'.
        loss_weight (float): Multiplier. Default: 1.
        loss_name (str): Name in the log. Default: 'loss_focal'.
        reduction (str): 'none', 'mean' or 'sum', unless the caller's
            ``reduction_override`` says otherwise. Default: 'mean'.
    """

    def __init__(self,
                 gamma: float = 2.0,
                 alpha: ClassWeight = None,
                 alpha_scheme: str = 'enet',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_focal',
                 reduction: str = 'mean') -> None:
        super().__init__()
        if gamma < 0:
            raise ValueError(f'gamma must be >= 0, got {gamma}')
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f'loss_name must start with "loss_", got {loss_name!r}')
        self.register_buffer(
            'alpha', as_tensor(load_class_weight(alpha, alpha_scheme)),
            persistent=False)
        self.gamma = gamma
        self.loss_weight = loss_weight
        self.reduction = check_reduction(reduction)
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """pred (N, K, H, W) logits, target (N, H, W), optional pixel
        ``weight`` (N, H, W) -> a scalar, or (N, H, W) under 'none'."""
        reduction = resolve_reduction(self.reduction, reduction_override,
                                      avg_factor)
        check_num_classes(self.alpha, pred.shape[1], self.loss_name)
        return self.loss_weight * softmax_focal_loss(
            pred, target.long(), self.gamma, self.alpha, ignore_index, weight,
            reduction, avg_factor)

    @property
    def loss_name(self) -> str:
        return self._loss_name
