"""Cross-entropy of bilinearly upsampled logits, in one autograd step.

Why not ``resize`` + ``F.cross_entropy`` (mmseg's head): on a CPU that pair
is most of a Fast-SCNN training step. It keeps 15M float32 values per
batch-8 360x480 step (logits at label size), makes a channels-last copy
contiguous, zero-fills the NLL gradient and runs log-softmax over a strided
class axis, forward and backward. Here the upsampling is two small matrix
products (the same weights as ``F.interpolate``), softmax and its gradient
are done in place, chunk by chunk, and the gradient is written in one pass
as ``w_t * (softmax - onehot) / sum(w_t)``. Same value and gradient as the
pair (float32 rounding apart; ``tests/models/test_upsampled_loss.py``).
"""
from typing import Optional

import torch
from torch import Tensor

from ..bilinear import bilinear_matrices


def compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """float64 stays float64 (gradcheck); any other float computes in
    float32, as torch's CE does on a CPU under autocast."""
    return torch.float64 if dtype == torch.float64 else torch.float32


class _UpsampledCrossEntropy(torch.autograd.Function):
    """Weighted mean (or sum) CE of ``upsample_bilinear(logits, target
    size)``.

    Backward needs each chunk's unnormalised softmax and its sum over the
    classes: they are saved with ``ctx.save_for_backward`` (so saved-tensor
    hooks see them and a second backward with ``retain_graph`` is right)
    and only read in backward; the gradient is written to one chunk-sized
    buffer of its own."""

    @staticmethod
    def forward(ctx, logits: Tensor, target: Tensor,
                class_weight: Optional[Tensor], ignore_index: int,
                align_corners: bool, chunk: int, mean: bool) -> Tensor:
        dtype = compute_dtype(logits.dtype)
        with torch.autocast(logits.device.type, enabled=False):
            num, classes, height, width = logits.shape
            out_size = tuple(target.shape[-2:])
            rows, cols_t = bilinear_matrices((height, width), out_size,
                                             align_corners, logits.device)
            rows, cols_t = rows.to(dtype), cols_t.to(dtype)
            src = logits.detach().to(dtype).contiguous()
            valid = (target != ignore_index).unsqueeze(1)
            safe = torch.where(valid, target.unsqueeze(1), 0).long()
            pixel_weight = valid.to(dtype)
            if class_weight is not None:
                pixel_weight = pixel_weight * class_weight.to(dtype)[safe]
            denom = pixel_weight.sum().clamp_min(1e-12) if mean else \
                src.new_ones(())
            total = src.new_zeros(())
            exps, sums = [], []
            for start in range(0, num, chunk):
                part = slice(start, start + chunk)
                up = torch.matmul(rows, torch.matmul(src[part], cols_t))
                up.sub_(up.amax(dim=1, keepdim=True))
                picked = up.gather(1, safe[part])
                up.exp_()
                sums.append(up.sum(dim=1, keepdim=True))
                nll = sums[-1].log() - picked
                total = total + (nll * pixel_weight[part]).sum()
                exps.append(up)
        # saved once they are final; backward only reads them
        ctx.save_for_backward(safe, pixel_weight, denom, rows, cols_t,
                              *exps, *sums)
        ctx.meta = (chunk, len(exps), logits.dtype)
        return total / denom

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad: Tensor):
        chunk, count, dtype = ctx.meta
        saved = ctx.saved_tensors
        safe, pixel_weight, denom, rows, cols_t = saved[:5]
        exps, sums = saved[5:5 + count], saved[5 + count:]
        coef = pixel_weight * (grad.to(denom.dtype) / denom)
        parts = []
        buffer = torch.empty_like(exps[0])  # one chunk, reused
        with torch.autocast(grad.device.type, enabled=False):
            for index, (exp, total) in enumerate(zip(exps, sums)):
                part = slice(index * chunk, (index + 1) * chunk)
                grad_up = torch.mul(exp, coef[part] / total,
                                    out=buffer[:len(exp)])  # softmax * coef
                grad_up.scatter_add_(1, safe[part], -coef[part])
                parts.append(
                    torch.matmul(rows.t(), torch.matmul(grad_up, cols_t.t())))
        return (torch.cat(parts).to(dtype), None, None, None, None, None,
                None)


def upsampled_cross_entropy(logits: Tensor,
                            target: Tensor,
                            class_weight: Optional[Tensor] = None,
                            ignore_index: int = 255,
                            align_corners: bool = False,
                            chunk: int = 2,
                            reduction: str = 'mean') -> Tensor:
    """``F.cross_entropy(resize(logits, target size), target, weight,
    ignore_index, reduction)``, the mean weighted by the target classes'
    weights.

    Args:
        logits: (N, K, h, w), any float dtype (the gradient keeps it).
        target: (N, H, W) labels; ``ignore_index`` marks void.
        class_weight: (K,) or None.
        align_corners: As in ``F.interpolate``.
        chunk: Images upsampled and reduced at a time.
        reduction: 'mean' or 'sum' (per-pixel losses need the upsampled
            logits: resize them and use ``F.cross_entropy``).

    Returns:
        Scalar, float32 (float64 for float64 logits); 0 (with a zero
        gradient) when every pixel is void.
    """
    if logits.dim() != 4 or target.dim() != 3 \
            or logits.shape[0] != target.shape[0]:
        raise ValueError('upsampled_cross_entropy: logits (N, K, h, w) and '
                         f'target (N, H, W) expected, got '
                         f'{tuple(logits.shape)} and {tuple(target.shape)}')
    if chunk < 1:
        raise ValueError(f'chunk must be >= 1, got {chunk}')
    if reduction not in ('mean', 'sum'):
        raise ValueError("upsampled_cross_entropy: reduction must be 'mean' "
                         f"or 'sum', got {reduction!r}")
    return _UpsampledCrossEntropy.apply(logits, target, class_weight,
                                        ignore_index, align_corners, chunk,
                                        reduction == 'mean')
