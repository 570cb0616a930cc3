"""Check a CamVid copy (SegNet layout) and list every bad file.

    python tools/analysis/check_dataset.py data/camvid [--splits train val test]

Reports, per split, images without label maps and the reverse, unreadable or
truncated files, non-RGB images, label maps that are not 8-bit
single-channel, size mismatches and label values outside 0..11. Exits 1 when
anything is wrong. The dataset runs the same checks when it loads.
"""
import sys

from mmseg_fastscnn.cli.check_dataset import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    def _main():
        sys.exit(main())

    run_cli(_main)
