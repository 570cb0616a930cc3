"""Segment an image, a folder of images or a video with a trained model.

    python tools/infer.py CONFIG CHECKPOINT INPUT --out-dir DIR \
        [--mode cls|prob] [--opacity 0.5] [--device cpu] [--amp] \
        [--backend pytorch|onnxruntime] [--onnx GRAPH] [--no-fast] \
        [--threads N] [--cfg-options k=v ...]

Writes, per image (or video frame): ``overlay/<name>.png`` (prediction in
the dataset palette blended over the input, above a legend of the classes;
``--no-legend`` leaves it out) and ``labels/<name>.png`` (class indices,
uint8; uint16 beyond 256 classes). ``<name>`` is the file name without its
suffix, or with it (``x_jpg``) where two inputs share a stem. ``--mode prob``
also writes ``confidence/<name>.png`` (max probability x 255) and
``prob/<name>.npy`` (float16 softmax probabilities, K x H x W, 3.7 MB for
11 classes at 360x480; ``--no-npy`` skips them). A video also gets
``<name>_overlay.mp4``. The network runs at the size the config's
``test_pipeline`` gives (e.g. ``--cfg-options
"test_pipeline.1.scale=(720,540)"`` for the main config at 540x720).
Every file is written whole or not at all (a full disk is named in one
line); an image that cannot be read is skipped and named, the others are
segmented, and the tool exits 1. The last line gives frames/s in the
model and end to end.

Backends (``mmseg_fastscnn.apis.build_segmenter``): ``pytorch`` (default)
runs the fast path (BN folded, channels-last weights, argmax without
softmax) behind the config's test pipeline, with mmseg's resizing, so its
labels are ``inference_model``'s; a model it cannot reproduce (sliding
window, TTA, other pipeline steps) falls back to ``inference_model`` with
a log line, as ``--no-fast`` does. ``--amp`` adds bfloat16 autocast where
the CPU has AVX512-BF16 or AMX (float32 with a log line elsewhere).
``onnxruntime`` runs ``--onnx GRAPH`` (tools/deployment/export_onnx.py,
fp32 or ``.int8.onnx``; its input size is fixed) or, without it, the model
exported on the fly (fp32, one graph per frame size; the export time is
printed apart). The model is built by mmseg's ``init_model`` with a check
that the checkpoint fits the config (``init_model_checked``).
"""
from mmseg_fastscnn.cli.infer import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
