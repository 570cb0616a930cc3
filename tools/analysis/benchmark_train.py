"""Training-step time of several configs, measured in one run, as ratios to
the first.

    python tools/analysis/benchmark_train.py configs/fastscnn_camvid.py \
        configs/ablations/*.py [--batch 8] [--size 360x480] [--threads 2] \
        [--repeats 5] [--iters 2] [--cfg-options k=v ...] [--json out.json]

Full steps (forward, losses, backward, AdamW) on one fixed random batch, the
configs taking turns; the data pipeline is left out. ``relative_to_first``
> 1: slower than the first config.
"""
from mmseg_fastscnn.cli.benchmark_train import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
