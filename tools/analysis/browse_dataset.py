"""A PNG grid of dataset images next to their masks in the CamVid palette.

    python tools/analysis/browse_dataset.py data/camvid --split train \
        --num 6 --seed 0 --out samples_with_masks.png

Each row is the package's input | ground-truth panel (the one
``tools/test.py --show-dir`` draws); one legend below. Why not mmseg's
``browse_dataset.py`` (``mmseg/.mim/tools/analysis_tools/``): it writes one
pipeline output per file, with no grid and no class legend.
"""
from mmseg_fastscnn.cli.browse_dataset import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
