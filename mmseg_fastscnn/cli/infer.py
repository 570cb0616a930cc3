"""Segment an image, a folder of images or a video with a trained model.

Logic of ``tools/infer.py`` (usage in its docstring).
"""
import argparse
import errno
import os
import os.path as osp
import sys
import time
from collections import Counter
from typing import Iterator, Tuple

import cv2
import mmcv
import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config, DictAction
from mmengine.utils import ProgressBar

from ..apis import init_model_checked
from ..apis.inference import BACKENDS, build_segmenter
from ..fileio import DiskWriteError, atomic_path
from ..utils import apply_cfg_options
from ..visualization import colorize, legend_strip

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mov', '.mkv', '.webm')


def list_images(path: str) -> list:
    if osp.isdir(path):
        files = sorted(
            osp.join(path, f) for f in os.listdir(path)
            if f.lower().endswith(IMAGE_SUFFIXES))
        if not files:
            raise ValueError(f'no images ({", ".join(IMAGE_SUFFIXES)}) in '
                             f'{path}')
        return files
    return [path]


def output_names(files: list) -> list:
    """File stems, made unique with the suffix where stems collide."""
    stems = [osp.splitext(osp.basename(f))[0] for f in files]
    counts = Counter(stems)
    return [
        osp.basename(f).replace('.', '_') if counts[stem] > 1 else stem
        for f, stem in zip(files, stems)
    ]


def video_frames(path: str) -> Tuple[Iterator[np.ndarray], int, float]:
    capture = cv2.VideoCapture(path)
    if not capture.isOpened():
        raise ValueError(f'cannot open video {path}')
    total = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    fps = capture.get(cv2.CAP_PROP_FPS) or 25.0

    def frames():
        try:
            while True:
                ok, frame = capture.read()
                if not ok:
                    break
                yield frame
        finally:  # also when the caller stops early or fails
            capture.release()

    return frames(), total, fps


def write_image(image: np.ndarray, path: str) -> None:
    """Whole file or none (cv2 only returns False on a full disk)."""
    with atomic_path(path) as tmp:
        if not mmcv.imwrite(image, tmp):
            raise DiskWriteError(errno.EIO, f'could not write {path} '
                                 '(disk full or not writable?)')


def read_image(path: str) -> np.ndarray:
    """BGR image; ValueError naming ``path`` if it cannot be decoded."""
    try:
        image = mmcv.imread(path)
    except Exception as error:  # cv2.error and friends on bad files
        raise ValueError(f'cannot read image {path} ({error})') from None
    if image is None:
        raise ValueError(f'cannot read image {path} (empty or not an image, '
                         f'{osp.getsize(path)} bytes)')
    return image


def save_outputs(out_dir: str, name: str, image_bgr: np.ndarray,
                 labels: np.ndarray, probs, palette, opacity: float,
                 classes=None, save_npy: bool = True) -> np.ndarray:
    """Write the files of one frame (the overlay PNG with a legend strip
    below when ``classes`` are given); returns the overlay (BGR) at the
    frame's size, without the legend: a video keeps its frame size."""
    colour = mmcv.rgb2bgr(colorize(labels, palette))
    overlay = cv2.addWeighted(image_bgr, 1 - opacity, colour, opacity, 0)
    picture = overlay
    if classes is not None:
        legend = legend_strip(classes, palette, overlay.shape[1])
        picture = np.concatenate([overlay, mmcv.rgb2bgr(legend)], axis=0)
    write_image(picture, osp.join(out_dir, 'overlay', name + '.png'))
    write_image(labels, osp.join(out_dir, 'labels', name + '.png'))
    if probs is not None:
        confidence = (probs.max(0) * 255).round().astype(np.uint8)
        write_image(confidence, osp.join(out_dir, 'confidence',
                                         name + '.png'))
    if probs is not None and save_npy:
        with atomic_path(osp.join(out_dir, 'prob', name + '.npy')) as tmp:
            np.save(tmp, probs.astype(np.float16))
    return overlay


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('input', help='image, folder of images, or video')
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--mode', choices=['cls', 'prob'], default='cls')
    parser.add_argument('--opacity', type=float, default=0.5)
    parser.add_argument('--no-legend', action='store_true',
                        help='overlays without the legend of the classes')
    parser.add_argument('--no-npy', action='store_true',
                        help='--mode prob: write the confidence maps but not '
                        'the probability arrays (prob/*.npy)')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--backend', choices=BACKENDS, default='pytorch',
                        help='pytorch (default): the fast path (BN folded, '
                        'channels-last) where it gives inference_model\'s '
                        'labels; onnxruntime: the exported graph')
    parser.add_argument('--onnx', help='--backend onnxruntime: a graph from '
                        'tools/deployment/export_onnx.py (fp32 or .int8.onnx)'
                        '; default: the model exported on the fly (fp32)')
    parser.add_argument('--no-fast', action='store_true',
                        help='--backend pytorch: mmseg\'s inference_model on '
                        'the plain model (the reference; slower)')
    parser.add_argument('--threads', type=int,
                        help='CPU threads (default: torch\'s and ONNX '
                        'Runtime\'s own, one per core)')
    parser.add_argument('--amp', action='store_true',
                        help='--backend pytorch: bfloat16 autocast and '
                        'channels-last weights (float32 with a log line '
                        'where the device has no fast bfloat16)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config keys, e.g. test_pipeline')
    args = parser.parse_args(argv)
    named_paths = ((args.config, 'config'), (args.checkpoint, 'checkpoint'),
                   (args.input, 'input'))
    if args.onnx is not None:
        named_paths += ((args.onnx, 'onnx'), )
    for path, what in named_paths:
        if not osp.exists(path):
            raise FileNotFoundError(f'{what} not found: {path}')
    if not 0 <= args.opacity <= 1:
        raise ValueError(f'--opacity must be in [0, 1], got {args.opacity}')
    if args.no_npy and args.mode != 'prob':
        raise ValueError('--no-npy only applies to --mode prob')
    if args.onnx is not None and args.backend != 'onnxruntime':
        raise ValueError('--onnx needs --backend onnxruntime')
    if args.no_fast and args.backend != 'pytorch':
        raise ValueError('--no-fast applies to --backend pytorch')
    if args.amp and args.backend != 'pytorch':
        raise ValueError('--amp applies to --backend pytorch')
    if args.threads is not None and args.threads < 1:
        raise ValueError(f'--threads must be >= 1, got {args.threads}')
    return args


class Segmenter:
    """Segments frames (``build_segmenter``) and writes their outputs;
    counts the frames."""

    def __init__(self, args, model: nn.Module) -> None:
        self.args, self.model = args, model
        self.segment = build_segmenter(
            model, args.backend, args.mode, fast=not args.no_fast,
            amp=args.amp, onnx=args.onnx, threads=args.threads)
        self.extra = dict(
            classes=None if args.no_legend else model.dataset_meta['classes'],
            save_npy=not args.no_npy)
        self.written = 0

    def __call__(self, image: np.ndarray, name: str) -> np.ndarray:
        """Segment one BGR frame, write its files; the overlay (BGR)."""
        labels, probs = self.segment(image)
        overlay = save_outputs(self.args.out_dir, name, image, labels, probs,
                               self.model.dataset_meta['palette'],
                               self.args.opacity, **self.extra)
        self.written += 1
        return overlay


def segment_video(args, segmenter: Segmenter) -> None:
    """Every frame, and ``<stem>_overlay.mp4`` at the video's frame size."""
    frames, total, fps = video_frames(args.input)
    stem = osp.splitext(osp.basename(args.input))[0]
    writer = None
    bar = ProgressBar(total)
    try:
        for index, frame in enumerate(frames):
            overlay = segmenter(frame, f'{stem}_{index:06d}')
            if writer is None:
                h, w = overlay.shape[:2]
                writer = cv2.VideoWriter(
                    osp.join(args.out_dir, f'{stem}_overlay.mp4'),
                    cv2.VideoWriter_fourcc(*'mp4v'), fps, (w, h))
            writer.write(overlay)
            bar.update()
    finally:  # a playable mp4 of the frames so far, even after an error
        frames.close()
        if writer is not None:
            writer.release()


def segment_images(args, segmenter: Segmenter) -> None:
    """Every image of a file or folder; unreadable ones are skipped, named,
    and make the tool fail once the others are done."""
    files = list_images(args.input)
    bar = ProgressBar(len(files))
    unreadable = []
    for path, name in zip(files, output_names(files)):
        try:
            image = read_image(path)
        except ValueError as error:
            if len(files) == 1:
                raise
            unreadable.append(str(error))  # the others go on
            bar.update()
            continue
        segmenter(image, name)
        bar.update()
    if unreadable:
        print('\n' + '\n'.join(f'skipped: {e}' for e in unreadable),
              file=sys.stderr)
        raise ValueError(
            f'{len(unreadable)} of {len(files)} image(s) could not be '
            f'read (listed above); the other {segmenter.written} were '
            f'segmented into {args.out_dir}')


def main(argv=None) -> int:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options)
    if args.threads:
        torch.set_num_threads(args.threads)
    model = init_model_checked(cfg, args.checkpoint, args.device)
    segmenter = Segmenter(args, model)
    segment = segmenter.segment
    print(f'inference: {segment.description}', flush=True)
    wall_start = time.perf_counter()
    try:
        if args.input.lower().endswith(VIDEO_SUFFIXES):
            segment_video(args, segmenter)
        else:
            segment_images(args, segmenter)
    finally:
        if hasattr(segment, 'close'):
            segment.close()
    # exporting on the fly is set-up, not frames: it is reported apart
    export_s = getattr(segment, 'export_s', 0.0)
    wall_s = time.perf_counter() - wall_start - export_s
    written = segmenter.written
    if export_s:
        print(f'\nexported to ONNX in {export_s:.1f} s (not counted below)')
    print(f'\n{written} image(s) segmented into {args.out_dir}: '
          f'{written / max(segment.model_s, 1e-9):.1f} frames/s in the '
          f'model, {written / max(wall_s, 1e-9):.1f} frames/s with reading '
          f'and writing ({segment.description})')
    return written
