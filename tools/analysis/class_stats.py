"""Pixel frequency per class over a split, and class weights as JSON.

    python tools/analysis/class_stats.py data/camvid --split train \
        --out configs/_base_/datasets/camvid_class_stats.json

Your own data (mmseg's layout, docs/own_dataset.md):

    python tools/analysis/class_stats.py data/my_dataset --split ann_dir/train \
        --classes road car person [--ignore 255] [--suffix .png] --out stats.json

The JSON's ``weights`` (inverse, median, enet) can be named by the losses:
``class_weight={{_base_.class_stats}}`` in a config that inherits
``configs/_base_/datasets/camvid.py``, or any path to such a file.
"""
from mmseg_fastscnn.cli.class_stats import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
