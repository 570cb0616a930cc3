"""Convert the original CamVid release to the SegNet layout used here.

    python tools/dataset_converters/camvid.py \
        --images 701_StillsRaw_full --labels LabeledApproved_full \
        --split train=train.txt --split val=val.txt --split test=test.txt \
        --out data/camvid [--size 360x480] [--nproc 2]

Labels are the colour-coded 32-class PNGs (``<name>_L.png``); each colour is
mapped to the 11 SegNet classes or void (11). Split files list one image per
line (a name, or a path such as SegNet's ``/SegNet/CamVid/train/x.png``; only
the file stem is used). Every colour not in the 32-colour table is reported
with the files it occurs in, and becomes void. ``--size`` is HxW, as
everywhere in this project (crop sizes, ``export_onnx.py --size``).
"""
from mmseg_fastscnn.cli.convert_camvid import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
