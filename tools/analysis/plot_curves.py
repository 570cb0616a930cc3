"""Draw a run's curves (loss, mIoU + Dice, pixel accuracy vs epoch) as PNGs.

    python tools/analysis/plot_curves.py work_dirs/fastscnn_camvid \
        --out-dir results/fastscnn_camvid [--json PATH]

Writes loss.png, miou_dice.png, accuracy.png and the per-epoch numbers as
curves.json (or ``--json PATH``) into ``--out-dir``.

Why not mmseg's ``analyze_logs.py`` (installed under ``mmseg/.mim/tools/
analysis_tools/``): it draws the keys it is given into one figure and
makes neither the report's three figures nor the validation-loss curve.
"""
from mmseg_fastscnn.cli.plot_curves import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
