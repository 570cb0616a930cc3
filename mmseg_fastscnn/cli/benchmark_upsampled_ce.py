"""Fused upsample + CE against ``resize`` + ``F.cross_entropy``, forward +
backward, float32 and bfloat16 logits, timed in one run on this machine.

Usage::

    python tools/analysis/benchmark_upsampled_ce.py [--device cpu|cuda] \\
        [--batch 8] [--size 360x480] [--classes 11] [--repeats 5]

Prints, per dtype and logits layout (contiguous; channels-last, as a
channels-last model gives them), the median milliseconds of each path and
the ratio fused / resized (< 1: the fused path is faster). The two paths take turns
(``time_alternating``), so drift on a shared machine hits both alike; the
figures are still only as quiet as the machine.
"""
import argparse
from typing import Callable, Dict, List, Optional

import torch
import torch.nn.functional as F

from mmseg_fastscnn.models.losses.upsampled_cross_entropy import \
    upsampled_cross_entropy


def step_fns(batch: int, size: tuple, classes: int, dtype: torch.dtype,
             channels_last: bool,
             device: str = 'cpu') -> Dict[str, Callable[[], None]]:
    """One forward + backward of each path on fixed logits (N, K, H/8, W/8)
    of ``dtype`` (channels-last, as a channels-last model's head gives
    them, or contiguous) and labels (N, H, W) with some void pixels."""
    g = torch.Generator().manual_seed(0)
    height, width = size
    small = (height // 8, width // 8)  # Fast-SCNN's logits: 1/8 size
    logits = torch.randn(batch, classes, *small, generator=g).to(dtype)
    if channels_last:
        logits = logits.contiguous(memory_format=torch.channels_last)
    logits.requires_grad_()
    labels = torch.randint(0, classes, (batch, height, width), generator=g)
    labels[:, :height // 10] = 255
    weight = torch.rand(classes, generator=g) + 0.5
    logits = logits.detach().to(device).requires_grad_()
    labels, weight = labels.to(device), weight.to(device)

    def sync() -> None:  # a GPU's kernels are timed when done
        if device == 'cuda':
            torch.cuda.synchronize()

    def fused() -> None:
        logits.grad = None
        with torch.autocast(device, dtype=dtype,
                            enabled=dtype != torch.float32):
            loss = upsampled_cross_entropy(logits, labels, weight, 255)
        loss.backward()
        sync()

    def resized() -> None:
        logits.grad = None
        with torch.autocast(device, dtype=dtype,
                            enabled=dtype != torch.float32):
            up = F.interpolate(logits, size=size, mode='bilinear',
                               align_corners=False)
            loss = F.cross_entropy(up, labels, weight=weight,
                                   ignore_index=255)
        loss.backward()
        sync()

    return dict(fused=fused, resized=resized)


def main(argv: Optional[List[str]] = None) -> Dict[str, dict]:
    from mmseg_fastscnn.deploy.benchmark import time_alternating
    from mmseg_fastscnn.utils import parse_size
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=parse_size, default=(360, 480))
    parser.add_argument('--classes', type=int, default=11)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--iters', type=int, default=2)
    parser.add_argument('--device', default='cpu', choices=('cpu', 'cuda'))
    args = parser.parse_args(argv)
    if args.device == 'cuda' and not torch.cuda.is_available():
        raise ValueError('--device cuda: no CUDA GPU here')
    results = {}
    print(f'{args.device}, threads {torch.get_num_threads()}, '
          f'batch {args.batch}, '
          f'{args.size[0]}x{args.size[1]}, {args.classes} classes')
    for dtype in (torch.float32, torch.bfloat16):
        for channels_last in (False, True):
            stats = time_alternating(
                step_fns(args.batch, tuple(args.size), args.classes, dtype,
                         channels_last, args.device),
                warmup=1, iters=args.iters, repeats=args.repeats,
                inference=False)
            fused = stats['fused']['median_ms']
            resized = stats['resized']['median_ms']
            name = (str(dtype).replace('torch.', '') +
                    (' channels-last' if channels_last else ' contiguous'))
            results[name] = dict(stats, ratio=round(fused / resized, 3))
            print(f'{name:24s} fused {fused:8.1f} ms  resized '
                  f'{resized:8.1f} ms  fused/resized {fused / resized:.2f}')
    return results

