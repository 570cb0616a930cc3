"""Segment an image, a folder of images or a video with a trained model.

    python tools/infer.py CONFIG CHECKPOINT INPUT --out-dir DIR \
        [--mode cls|prob] [--opacity 0.5] [--device cpu] [--amp] \
        [--cfg-options k=v ...]

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
"test_pipeline.1.scale=(480,360)"`` for the main config at 360x480).
Every file is written whole or not at all (a full disk is named in one
line); an image that cannot be read is skipped and named, the others are
segmented, and the tool exits 1. ``--amp`` runs the network in bfloat16
autocast with channels-last weights (docs/deployment.md gives its label
agreement with float32).
Uses mmseg's ``inference_model``; the model is built by mmseg's ``init_model``
with a check that the checkpoint fits the config (``init_model_checked``).
"""
from mmseg_fastscnn.cli.infer import main
from mmseg_fastscnn.utils import run_cli

if __name__ == '__main__':
    run_cli(main)
