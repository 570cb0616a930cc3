"""Bilinear upsampling (``F.interpolate(mode='bilinear')``) as two matrix
products, for the loss and the logged accuracy at label size.

Why: on a CPU, ``upsample_bilinear2d`` and its backward for a batch of
logits (N, K, h, w) -> (N, K, H, W) are several times slower than the same
weights applied as ``A_h @ x @ A_w^T`` (two GEMMs), and a matrix can be
sliced to produce only every s-th output row and column.
"""
from functools import lru_cache
from typing import Tuple

import torch
import torch.nn.functional as F
from torch import Tensor


@lru_cache(maxsize=16)
def _bilinear_matrix(size_in: int, size_out: int, align_corners: bool,
                     device: torch.device) -> Tensor:
    """(size_out, size_in) weights of ``F.interpolate(mode='bilinear')``
    along one axis (the interpolation of the identity)."""
    eye = torch.eye(size_in, device=device)[None, None]
    return F.interpolate(eye, size=(size_out, size_in), mode='bilinear',
                         align_corners=align_corners)[0, 0].contiguous()


@lru_cache(maxsize=16)
def bilinear_matrices(in_size: Tuple[int, int], out_size: Tuple[int, int],
                      align_corners: bool,
                      device: torch.device) -> Tuple[Tensor, Tensor]:
    """``(A_h, A_w^T)`` of shapes (H, h) and (w, W), such that
    ``A_h @ x @ A_w^T`` equals ``F.interpolate(x, (H, W), mode='bilinear')``
    for x (..., h, w). Cached; the caller must not write to them."""
    rows = _bilinear_matrix(in_size[0], out_size[0], align_corners, device)
    cols = _bilinear_matrix(in_size[1], out_size[1], align_corners, device)
    return rows, cols.t().contiguous()


def upsample_bilinear(x: Tensor, size: Tuple[int, int],
                      align_corners: bool = False, stride: int = 1) -> Tensor:
    """``F.interpolate(x.float(), size, mode='bilinear')[..., ::stride,
    ::stride]`` as two matrix products: x (N, K, h, w) -> float32
    (N, K, ceil(H / stride), ceil(W / stride)), contiguous."""
    rows, cols_t = bilinear_matrices(tuple(x.shape[-2:]), tuple(size),
                                     align_corners, x.device)
    rows, cols_t = rows[::stride], cols_t[:, ::stride]
    with torch.autocast(x.device.type, enabled=False):
        return torch.matmul(rows, torch.matmul(x.float().contiguous(),
                                               cols_t))
