"""Lovasz-softmax loss (Berman et al., 2018), exact, sorted with integer keys.

Why not mmseg's ``LovaszLoss`` (the same loss): it sorts each class's float
errors over every pixel of the batch, which on a CPU is most of a training
step (1.4M pixels x 11 classes at batch 8, 360x480). The errors lie in
[0, 1], where the bit patterns of float32 numbers, read as integers, order
exactly as the numbers do; torch sorts integers with a radix sort, several
times faster. The order, hence the loss, is the same.
"""
from typing import Optional, Sequence, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from .class_weight import (ClassWeight, as_tensor, check_num_classes,
                           load_class_weight)

MAX_INT32 = 2**31 - 1


def sort_descending(errors: Tensor) -> Tensor:
    """Indices that sort non-negative float32 ``errors`` (P,) descending,
    through a stable radix sort of their bit patterns as int32."""
    keys = MAX_INT32 - errors.detach().contiguous().view(torch.int32)
    return torch.sort(keys, stable=True).indices


def lovasz_grad(fg_sorted: Tensor) -> Tensor:
    """Gradient of the Lovasz extension of the Jaccard loss with respect to
    the errors sorted descending (Alg. 1 of the paper); ``fg_sorted`` (P,)
    is 1 for the class's pixels in that order."""
    gts = fg_sorted.sum()
    intersection = gts - fg_sorted.cumsum(0)
    union = gts + (1 - fg_sorted).cumsum(0)
    jaccard = 1.0 - intersection / union
    jaccard[1:] = jaccard[1:] - jaccard[:-1]
    return jaccard


def lovasz_softmax(logits: Tensor,
                   labels: Tensor,
                   classes: Union[str, Sequence[int]] = 'present',
                   class_weight: Optional[Tensor] = None,
                   ignore_index: int = 255) -> Tensor:
    """Lovasz-softmax over every non-ignored pixel of the batch.

    Args:
        logits: (N, C, H, W); the softmax is taken in float32.
        labels: (N, H, W).
        classes: 'present' (classes in ``labels``), 'all', or a list.
        class_weight: Optional (C,) weights of the classes' terms.
        ignore_index: Label of pixels left out.

    Returns:
        Scalar: the mean over the chosen classes; 0 (with a gradient path)
        when every pixel is ignored.
    """
    num_classes = logits.shape[1]
    # (C, P): each class's probabilities contiguous, one copy
    probs = logits.float().softmax(dim=1).transpose(0, 1).reshape(
        num_classes, -1)
    labels = labels.reshape(-1)
    valid = labels != ignore_index
    if not bool(valid.any()):
        return logits.sum() * 0.0
    if classes in ('all', 'present'):
        chosen = torch.arange(num_classes, device=labels.device)
    else:
        chosen = torch.as_tensor(classes, device=labels.device)
    fg = labels.unsqueeze(0) == chosen.unsqueeze(1)  # (C', P)
    if classes == 'present':
        present = fg.any(dim=1)
        chosen, fg = chosen[present], fg[present]
    if len(chosen) < num_classes:
        probs = probs.index_select(0, chosen)
    # an ignored pixel gets error 0 and is no class's: it sorts last and
    # changes neither the loss nor any gradient (cheaper than removing it)
    errors = (fg.float() - probs).abs() * valid
    with torch.no_grad():  # the sorted order is a constant of the loss
        grad = torch.empty_like(errors)
        for row in range(len(chosen)):
            perm = sort_descending(errors[row])
            # dot(errors[perm], g) == dot(errors, g scattered back): no
            # gather in the autograd graph, one product for every class
            grad[row].scatter_(0, perm, lovasz_grad(fg[row][perm].float()))
    losses = (errors * grad).sum(dim=1)
    if class_weight is not None:
        losses = losses * class_weight[chosen]
    return losses.mean()


@MODELS.register_module()
class LovaszSoftmaxLoss(nn.Module):
    """mmseg's ``LovaszLoss`` (multi-class, over the batch:
    ``per_image=False``) computed several times faster on a CPU.

    Args:
        classes (str | list[int]): 'present', 'all' or a list of classes.
            Default: 'present'.
        class_weight (list[float] | str | None): Weights of the classes'
            terms, or the path of a class-statistics JSON.
        class_weight_scheme (str): Key in that JSON's ``weights``.
            Default: 'enet'.
        loss_weight (float): Multiplier of the loss. Default: 1.
        loss_name (str): Name in the log. Default: 'loss_lovasz'.
    """

    def __init__(self,
                 classes: Union[str, Sequence[int]] = 'present',
                 class_weight: ClassWeight = None,
                 class_weight_scheme: str = 'enet',
                 loss_weight: float = 1.0,
                 loss_name: str = 'loss_lovasz') -> None:
        super().__init__()
        if not (classes in ('all', 'present') or
                (isinstance(classes, (list, tuple))
                 and all(isinstance(c, int) for c in classes))):
            raise ValueError("classes must be 'present', 'all' or a list of "
                             f'class indices, got {classes!r}')
        if not loss_name.startswith('loss_'):
            raise ValueError(
                f'loss_name must start with "loss_", got {loss_name!r}')
        self.classes = classes
        weight = as_tensor(load_class_weight(class_weight,
                                             class_weight_scheme))
        self.register_buffer('class_weight', weight, persistent=False)
        self.loss_weight = loss_weight
        self._loss_name = loss_name

    def forward(self,
                pred: Tensor,
                target: Tensor,
                weight: Optional[Tensor] = None,
                ignore_index: int = 255,
                **kwargs) -> Tensor:
        """pred (N, C, H, W) logits, target (N, H, W) -> scalar loss."""
        check_num_classes(self.class_weight, pred.shape[1], self.loss_name)
        if isinstance(self.classes, (list, tuple)) and not all(
                0 <= c < pred.shape[1] for c in self.classes):
            raise ValueError(f'{self.loss_name}: classes {self.classes} '
                             f'must lie in [0, {pred.shape[1]})')
        return self.loss_weight * lovasz_softmax(
            pred, target, self.classes, self.class_weight, ignore_index)

    @property
    def loss_name(self) -> str:
        return self._loss_name
