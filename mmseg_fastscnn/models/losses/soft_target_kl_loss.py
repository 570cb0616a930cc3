"""KL divergence from a teacher's per-pixel class probabilities to the
student's, over labelled pixels only.

Why not mmseg's ``KLDivLoss``: in mmseg 1.2.2 it hands ``F.kl_div``
probabilities where log-probabilities are due, and it has no pixel mask.
"""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.registry import MODELS
from .reduction import check_reduction, reduce_pixel_loss, resolve_reduction


def soft_target_kl(logits: Tensor,
                   target_probs: Tensor,
                   valid: Optional[Tensor] = None,
                   temperature: float = 1.0,
                   weight: Optional[Tensor] = None,
                   reduction: str = 'mean',
                   avg_factor: Optional[float] = None) -> Tensor:
    """KL(target || softmax(logits / T)) * T^2 per valid pixel, reduced as
    mmseg reduces per-pixel losses.

    Args:
        logits: Student logits (N, K, H, W).
        target_probs: Teacher probabilities (N, K, H, W), summing to 1 over K
            (already softened by the teacher if T != 1 is wanted there).
        valid: Optional bool mask (N, H, W); pixels outside it add nothing.
        temperature: Softens the student's softmax; the T^2 factor keeps the
            gradient scale independent of T (Hinton et al., 2015).
        weight: Optional pixel weights (N, H, W).
        reduction: 'mean' (over valid pixels, or the sum over
            ``avg_factor``), 'sum', or 'none' (-> (N, H, W), 0 outside
            ``valid``).
        avg_factor: Divides the sum under 'mean' instead of the valid count.

    Returns:
        Scalar tensor, (N, H, W) under 'none'; a mean over no valid pixel
        is 0 (with a gradient path).
    """
    if logits.shape != target_probs.shape:
        raise ValueError(f'logits {tuple(logits.shape)} and teacher '
                         f'probabilities {tuple(target_probs.shape)} differ '
                         'in shape')
    log_p = F.log_softmax(logits / temperature, dim=1)
    # xlogy: 0 * log 0 = 0 where the teacher gives a class no mass
    per_pixel = (target_probs.xlogy(target_probs) -
                 target_probs * log_p).sum(dim=1) * temperature**2
    if valid is None:
        denom = torch.ones_like(per_pixel)
    else:
        if valid.shape != per_pixel.shape:
            raise ValueError(f'valid (pixel mask) must have the shape '
                             f'{tuple(per_pixel.shape)} of the logits '
                             f'without K, got {tuple(valid.shape)}')
        per_pixel = torch.where(valid, per_pixel, per_pixel.new_zeros(()))
        denom = valid.to(per_pixel.dtype)
    return reduce_pixel_loss(per_pixel, denom, weight, reduction, avg_factor)


@MODELS.register_module()
class SoftTargetKLLoss(nn.Module):
    """Distillation term: ``loss_weight * soft_target_kl(...)``.

    Args:
        temperature: See ``soft_target_kl``; must be > 0.
        reduction: 'mean', 'sum' or 'none', as mmseg's losses.
        loss_weight: Multiplier of the term.
        loss_name: Key in the loss dict; must start with ``loss_`` to be
            back-propagated by mmengine.
    """

    def __init__(self,
                 temperature: float = 1.0,
                 reduction: str = 'mean',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_distill') -> None:
        super().__init__()
        if not temperature > 0:
            raise ValueError(f'temperature must be > 0, got {temperature}')
        if not loss_name.startswith('loss_'):
            raise ValueError(f"loss_name must start with 'loss_' to be "
                             f'trained on, got {loss_name!r}')
        self.temperature = float(temperature)
        self.reduction = check_reduction(reduction)
        self.loss_weight = float(loss_weight)
        self._loss_name = loss_name

    def forward(self,
                logits: Tensor,
                target_probs: Tensor,
                valid: Optional[Tensor] = None,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                **kwargs) -> Tensor:
        """(N, K, H, W) logits and teacher probabilities, optional (N, H, W)
        ``valid`` mask and pixel ``weight`` -> a scalar, or (N, H, W) under
        'none'."""
        reduction = resolve_reduction(self.reduction, reduction_override,
                                      avg_factor)
        return self.loss_weight * soft_target_kl(
            logits, target_probs, valid, self.temperature, weight, reduction,
            avg_factor)

    @property
    def loss_name(self) -> str:
        return self._loss_name
