"""mmseg's loss contract for per-pixel losses: ``weight``, ``avg_factor``
and ``reduction_override`` as ``mmseg/models/losses/cross_entropy_loss.py``
applies them (through mmseg's public ``weight_reduce_loss``).

The one choice of ours: the default denominator of 'mean' (no
``avg_factor``) is the sum over non-ignored pixels of class weight x pixel
weight, so a 0/1 pixel weight (a pixel sampler's) averages over the kept
pixels, and no weights give torch's ``F.cross_entropy`` mean.
"""
from typing import Optional

from mmseg.models.losses import weight_reduce_loss
from torch import Tensor

REDUCTIONS = ('none', 'mean', 'sum')


def check_reduction(reduction: str, key: str = 'reduction') -> str:
    """Return ``reduction`` if it is 'none', 'mean' or 'sum'."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{key} must be 'none', 'mean' or 'sum', got "
                         f'{reduction!r}')
    return reduction


def resolve_reduction(default: str, reduction_override: Optional[str],
                      avg_factor: Optional[float]) -> str:
    """The reduction to apply: ``reduction_override`` if given, else the
    loss's ``default``; 'sum' with an ``avg_factor`` is refused (as mmseg's
    ``weight_reduce_loss`` does)."""
    if reduction_override is not None:
        check_reduction(reduction_override, 'reduction_override')
    reduction = reduction_override or default
    if avg_factor is not None and reduction == 'sum':
        raise ValueError('avg_factor can not be used with reduction="sum" '
                         '(reduction_override or the loss\'s reduction)')
    return reduction


def reduce_pixel_loss(loss: Tensor, denom: Tensor,
                      weight: Optional[Tensor], reduction: str,
                      avg_factor: Optional[float]) -> Tensor:
    """Reduce per-pixel losses as mmseg does.

    Args:
        loss: (N, H, W) per-pixel losses, class weights applied, 0 at
            ignored pixels.
        denom: (N, H, W) class weight of each pixel's label, 0 at ignored
            pixels (the default 'mean' divides by the sum of ``denom`` x
            ``weight``).
        weight: Optional (N, H, W) pixel weights, multiplied in.
        reduction: 'none' (-> (N, H, W)), 'mean' or 'sum' (-> scalar).
        avg_factor: Divides the sum under 'mean' instead of the default.
    """
    if weight is not None:
        weight = weight.to(loss.dtype)
        if weight.shape != loss.shape:
            raise ValueError(f'weight (pixel weights) must have the shape '
                             f'{tuple(loss.shape)} of the labels, got '
                             f'{tuple(weight.shape)}')
    if reduction == 'mean' and avg_factor is None:
        if weight is not None:
            loss = loss * weight
            denom = denom * weight
        return loss.sum() / denom.sum().clamp_min(1e-12)
    return weight_reduce_loss(loss, weight, reduction, avg_factor)

