"""Parameters and FLOPs per block, shaped like Table 1 of the Fast-SCNN paper.

    python tools/analysis/complexity.py configs/fastscnn_camvid.py \
        [--sizes 360x480 540x720 1024x2048] [--json out.json]

Default sizes: CamVid's 360x480, the size the config's test pipeline runs
the network at for it (360x480 for the main config, 540x720 for the 1.5x
ablations), and the paper's 1024x2048.
"""
from mmseg_fastscnn.cli.complexity import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
