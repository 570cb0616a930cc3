"""The loss's fused upsample + cross-entropy against resize +
``F.cross_entropy`` (forward + backward), taking turns in one run:

    python tools/analysis/benchmark_upsampled_ce.py [--device cpu|cuda] \
        [--batch 8] [--size 360x480] [--classes 11] [--repeats 5]

Prints the median ms of each path and fused / resized (< 1: fused faster),
for float32 and bfloat16 logits, contiguous and channels-last.
"""
from mmseg_fastscnn.cli.benchmark_upsampled_ce import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
