"""Lovasz-softmax loss (Berman et al., 2018), exact, sorted with integer keys.

Why not mmseg's ``LovaszLoss`` (the same loss): it sorts each class's float
errors over every pixel of the batch, which on a CPU is most of a training
step (1.4M pixels x 11 classes at batch 8, 360x480). The errors lie in
[0, 1], where the bit patterns of float32 numbers, read as integers, order
exactly as the numbers do; torch sorts integers with a radix sort, several
times faster. The order, hence the loss, is the same. The loss is linear in
its upstream gradient, so the gradient is computed with the value, in place
and at the logits' size (logits smaller than the labels are upsampled
bilinearly by two matrix products, as in ``upsampled_cross_entropy``):
no autograd graph of per-pixel tensors.
"""
from typing import Optional, Sequence, Tuple, Union

import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS
from ..bilinear import bilinear_matrices
from .class_weight import (ClassWeight, as_tensor, check_num_classes,
                           load_class_weight)
from .reduction import resolve_reduction

# Integer keys of non-negative floats: (int dtype, its max, bits of 1.0).
# float64 (gradcheck) sorts by int64 keys the same way.
SORT_KEYS = {
    torch.float32: (torch.int32, 2**31 - 1, 0x3F800000),
    torch.float64: (torch.int64, 2**63 - 1, 0x3FF0000000000000),
}


def sorted_descending(errors: Tensor,
                      fg: Tensor) -> Tuple[Tensor, Tensor, Tensor]:
    """Errors (P,) in [0, 1], float32 (or float64), sorted descending, the
    class mask ``fg`` (P,) in that order (float) and the sorting indices.

    One stable radix sort of integer keys: the errors' bit patterns (which
    order as the numbers do for non-negative floats) shifted up one bit,
    ``fg`` in the freed bit, so the sorted keys hold both (an exact tie puts
    the class's pixels first, which leaves the loss unchanged). The shift
    cannot overflow for errors <= 1, which is checked on the bits."""
    if errors.dtype not in SORT_KEYS:
        raise TypeError('sorted_descending: errors must be float32 or '
                        f'float64 (integer sort keys), got {errors.dtype}')
    int_dtype, top, one_bits = SORT_KEYS[errors.dtype]
    bits = errors.detach().contiguous().view(int_dtype)
    if bits.numel():
        low, high = torch.aminmax(bits)
        if int(low) < 0 or int(high) > one_bits:  # NaN's bits are > 1.0's
            raise ValueError(
                'sorted_descending: errors must lie in [0, 1], got '
                f'[{float(errors.min())}, {float(errors.max())}] '
                '(non-finite logits?)')
    keys = top - (bits * 2 + fg.to(int_dtype))
    keys, indices = torch.sort(keys, stable=True)
    keys = top - keys
    fg_sorted = (keys & 1).to(errors.dtype)
    return (keys >> 1).view(errors.dtype), fg_sorted, indices


def lovasz_grad(fg_sorted: Tensor, ranks: Optional[Tensor] = None) -> Tensor:
    """Gradient of the Lovasz extension of the Jaccard loss with respect to
    the errors sorted descending (Alg. 1 of the paper); ``fg_sorted`` (P,)
    is 1 for the class's pixels in that order; ``ranks`` (P,) may hold
    1, ..., P (float) to be reused across calls."""
    if ranks is None:
        ranks = torch.arange(1, len(fg_sorted) + 1, dtype=fg_sorted.dtype,
                             device=fg_sorted.device)
    # 1 - intersection / union with intersection = gts - fg seen and
    # union = gts + background seen = gts + rank - fg seen
    union = fg_sorted.cumsum(0).neg_().add_(ranks).add_(fg_sorted.sum())
    jaccard = torch.div(ranks, union, out=union)
    jaccard[1:] = jaccard[1:] - jaccard[:-1]
    return jaccard


class _LovaszSoftmax(torch.autograd.Function):
    """Mean over ``chosen`` classes of the (weighted) Lovasz-softmax of
    ``upsample_bilinear(logits, labels' size)`` over the whole batch."""

    @staticmethod
    def forward(ctx, logits: Tensor, labels: Tensor, chosen: Tensor,
                class_weight: Optional[Tensor], ignore_index: int,
                align_corners: bool) -> Tensor:
        num, classes, height, width = logits.shape
        size = tuple(labels.shape[-2:])
        need_grad = ctx.needs_input_grad[0]
        # float64 stays float64 (gradcheck), any other dtype computes in
        # float32
        dtype = torch.float64 if logits.dtype == torch.float64 else \
            torch.float32
        with torch.autocast(logits.device.type, enabled=False):
            # (C, N, h, w) -> probabilities (C, P), each class contiguous
            src = logits.detach().to(dtype).transpose(0, 1)
            if (height, width) == size:
                mats = None
                probs = src.clone(memory_format=torch.contiguous_format)
            else:
                mats = tuple(
                    m.to(dtype) for m in bilinear_matrices(
                        (height, width), size, align_corners, logits.device))
                probs = torch.matmul(mats[0], torch.matmul(src, mats[1]))
            probs = probs.contiguous().view(classes, -1)
            probs.sub_(probs.amax(dim=0)).exp_()
            probs.div_(probs.sum(dim=0))
            flat = labels.reshape(-1)
            invalid = flat == ignore_index
            dprobs = torch.zeros_like(probs) if need_grad else None
            total = probs.new_zeros(())
            ranks = torch.arange(1, len(flat) + 1, dtype=probs.dtype,
                                 device=probs.device)
            for cls in chosen.tolist():
                scale = 1.0 if class_weight is None else float(
                    class_weight[cls])
                fg = (flat == cls).to(dtype)
                # p - fg per pixel; an ignored pixel gets 0 (error 0, no
                # class's): it sorts last and changes neither the loss nor
                # any gradient
                signed = (probs[cls] - fg).masked_fill_(invalid, 0.0)
                errors, fg_sorted, perm = sorted_descending(
                    signed.abs(), fg)
                grad = lovasz_grad(fg_sorted, ranks)
                total += scale * torch.dot(errors, grad)
                if need_grad:  # d|fg - p| / dp = sign(p - fg)
                    row = dprobs[cls]
                    row.scatter_(0, perm, grad)
                    row.mul_(signed.sign_()).mul_(scale / len(chosen))
            if need_grad:
                # softmax backward: p * (dp - sum_c p dp)
                inner = sum(probs[cls] * dprobs[cls]
                            for cls in chosen.tolist())
                dprobs.sub_(inner).mul_(probs)
                del probs
                grad_in = dprobs.view(classes, num, *size)
                if mats is not None:
                    grad_in = torch.matmul(
                        mats[0].t(), torch.matmul(grad_in, mats[1].t()))
                ctx.save_for_backward(grad_in)
            ctx.dtype = logits.dtype
        return total / len(chosen)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        (grad_in, ) = ctx.saved_tensors
        grad_logits = (grad_in * grad.to(grad_in.dtype)).transpose(0, 1).to(
            ctx.dtype)
        return grad_logits, None, None, None, None, None


def lovasz_softmax(logits: Tensor,
                   labels: Tensor,
                   classes: Union[str, Sequence[int]] = 'present',
                   class_weight: Optional[Tensor] = None,
                   ignore_index: int = 255,
                   align_corners: bool = False) -> Tensor:
    """Lovasz-softmax over every non-ignored pixel of the batch.

    Args:
        logits: (N, C, h, w); upsampled bilinearly to the labels' (H, W)
            when smaller; the softmax is taken in float32 (float64 for
            float64 logits).
        labels: (N, H, W).
        classes: 'present' (classes in ``labels``), 'all', or a list.
        class_weight: Optional (C,) weights of the classes' terms.
        ignore_index: Label of pixels left out.
        align_corners: Of the upsampling.

    Returns:
        Scalar: the mean over the chosen classes; 0 (with a gradient path)
        when every pixel is ignored or no class is chosen.
    """
    num_classes = logits.shape[1]
    if logits.shape[0] != labels.shape[0] or labels.dim() != 3:
        raise ValueError(f'lovasz_softmax: logits {tuple(logits.shape)} and '
                         f'labels {tuple(labels.shape)} do not pair up')
    valid = labels != ignore_index
    if classes in ('all', 'present'):
        chosen = torch.arange(num_classes, device=labels.device)
        if classes == 'present':
            counts = torch.bincount(labels[valid].reshape(-1).long(),
                                    minlength=num_classes)
            chosen = chosen[counts[:num_classes] > 0]
    else:
        chosen = torch.as_tensor(classes, device=labels.device)
    if not bool(valid.any()) or len(chosen) == 0:
        return logits.sum() * 0.0
    return _LovaszSoftmax.apply(logits, labels, chosen, class_weight,
                                ignore_index, align_corners)


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
        """pred (N, C, h, w) logits, target (N, H, W) -> scalar loss;
        ``align_corners`` upsamples pred when (h, w) != (H, W).

        The loss is one value for the whole batch, as mmseg's ``LovaszLoss``
        with ``per_image=False``: 'mean' and 'sum' give that value; 'none'
        (per-pixel losses, what ``OHEMPixelSampler(thresh=None)`` asks
        for) and ``avg_factor`` are refused with a ValueError. ``weight``
        (pixel weights, e.g. ``OHEMPixelSampler(thresh=...)``'s) is not
        applied, as in mmseg's ``LovaszLoss``: the Lovasz term sees every
        non-ignored pixel."""
        if reduction_override == 'none':
            raise ValueError(
                f"{self.loss_name}: reduction_override='none' (per-pixel "
                'losses, as OHEMPixelSampler with thresh=None asks) is '
                'undefined for the Lovasz loss, one value per batch; set the '
                "sampler's thresh or leave this loss out of loss_decode")
        resolve_reduction('mean', reduction_override, avg_factor)
        if avg_factor is not None:
            raise ValueError(
                f'{self.loss_name}: avg_factor cannot be used with the Lovasz '
                'loss, one value per batch')
        check_num_classes(self.class_weight, pred.shape[1], self.loss_name)
        if isinstance(self.classes, (list, tuple)) and not all(
                0 <= c < pred.shape[1] for c in self.classes):
            raise ValueError(f'{self.loss_name}: classes {self.classes} '
                             f'must lie in [0, {pred.shape[1]})')
        return self.loss_weight * lovasz_softmax(
            pred, target, self.classes, self.class_weight, ignore_index,
            align_corners)

    @property
    def loss_name(self) -> str:
        return self._loss_name
