"""Export a trained model to ONNX, check it against PyTorch, optionally
quantize it to INT8 and evaluate both on the val split.

    python tools/deployment/export_onnx.py configs/fastscnn_camvid.py \
        checkpoints/fastscnn_camvid.pth --out work_dirs/onnx/fastscnn.onnx \
        [--mode cls|prob] [--size 360x480] [--work-size 540x720] [--dynamic] \
        [--int8 --calib-num 64] [--eval]

The graph takes ``image``: (N, 3, H, W) float32 BGR 0..255 (as cv2 reads
it; normalisation is inside) and returns ``cls`` (N, H, W) int64 labels or
``prob`` (N, K, H, W) at that size. Inside, the network runs at the size the
config's test pipeline gives (e.g. 540x720 for a 1.5x Resize; override with
``--work-size``). The file's ``metadata_props`` name the classes, palette,
input layout, channel order, value range, mean/std and sizes (read them
with ``mmseg_fastscnn.deploy.read_metadata``).

The parity check compares the graph's labels with what tools/infer.py
writes (mmseg's ``inference_model`` on the same frame) and prints the max
logit difference against the PyTorch graph, on val images, or on images of
``--image-dir``, or, with neither, on generated images (export needs no
CamVid). INT8 calibrates on train images or ``--image-dir``.
"""
from mmseg_fastscnn.cli.export_onnx import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
