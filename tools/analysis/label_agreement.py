"""Share of pixels on which two folders of label maps agree (e.g. the
``labels/`` of two ``tools/infer.py`` runs, float32 and ``--amp``).

    python tools/analysis/label_agreement.py out_fp32/labels out_bf16/labels \
        [--json out.json]
"""
from mmseg_fastscnn.cli.label_agreement import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
