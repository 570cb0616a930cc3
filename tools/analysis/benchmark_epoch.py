"""Whole training epochs of a config, its fast path (bfloat16 autocast,
channels-last, decoded frames kept, cheap train accuracy) against the
float32 path, taking turns in one run.

    python tools/analysis/benchmark_epoch.py configs/fastscnn_camvid.py \
        [--fold 0006R0] [--epochs 2] [--repeats 2] [--threads 2] \
        [--cfg-options data_root=...] [--json out.json]

Each turn trains ``--epochs`` epochs with validation and checkpoints in a
temporary work dir; the last epoch of a turn is the steady state. Prints
seconds per path and the speed-up (float32 / fast).
"""
from mmseg_fastscnn.cli.benchmark_epoch import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
