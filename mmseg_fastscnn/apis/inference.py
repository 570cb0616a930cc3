"""Build a model for inference from a config and a checkpoint, and segment
frames with it: mmseg's ``inference_model``, the fast path or ONNX Runtime."""
import copy
import logging
import os.path as osp
import tempfile
import time
from typing import Dict, Optional, Tuple, Union

import numpy as np
import torch
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.logging import print_log
from mmseg.apis import inference_model, init_model
from mmseg.models import EncoderDecoder
from mmseg.registry import DATASETS
from torch import nn

from ..checkpoint import load_fitting_checkpoint, load_weights
from ..deploy import (build_fast_model, create_session, export_onnx,
                      read_metadata, working_size)
from ..models.outputs import check_output_mode, logits_to_output
from ..utils.precision import autocast_or_log


def init_model_checked(config: Union[str, Config], checkpoint: str,
                       device: str = 'cpu') -> nn.Module:
    """mmseg's ``init_model``, but a checkpoint that does not fit is an error.

    Why: ``init_model`` only warns about missing or mis-shaped weights (and
    fails with ``KeyError: 'meta'`` on a bare state dict), then predicts with
    a half-loaded model. Here the file is loaded weights-only, with named
    errors for missing, truncated or unsafe files, and checked against the
    model (:func:`check_checkpoint_fits`); the class names and palette come
    from the checkpoint's ``meta['dataset_meta']``, else from the config's
    test dataset.

    Returns:
        The model in eval mode on ``device``, with ``cfg`` and
        ``dataset_meta`` set as ``init_model`` sets them.
    """
    model = init_model(config, None, device='cpu')
    state = load_fitting_checkpoint(model, checkpoint)
    load_weights(model, state)
    meta = state.get('meta', {}) if 'state_dict' in state else {}
    dataset_meta = meta.get('dataset_meta')
    if dataset_meta is None:
        dataset_type = model.cfg.test_dataloader.dataset.type
        dataset_meta = dict(DATASETS.get(dataset_type).METAINFO)
    model.dataset_meta = dataset_meta
    return model.to(device).eval()


# Segmenting frames: mmseg's inference_model, the fast path, ONNX Runtime ---

# test-pipeline steps the fast path reproduces exactly (anything else, e.g.
# a flip or a crop, falls back to mmseg's inference_model)
FAST_PIPELINE_STEPS = ('LoadImageFromFile', 'LoadImageFromNDArray',
                       'LoadImageFromFileOnce', 'LoadAnnotations',
                       'LoadAnnotationsOnce', 'Resize', 'PackSegInputs')
BACKENDS = ('pytorch', 'onnxruntime')


def label_dtype(num_classes: int) -> type:
    """uint8 label maps, uint16 past 256 classes."""
    return np.uint8 if num_classes <= 256 else np.uint16


def ndarray_pipeline(cfg: Config) -> Compose:
    """The config's ``test_pipeline`` as ``inference_model`` builds it for a
    BGR array: annotations dropped, the image taken from ``img``."""
    steps = [copy.deepcopy(t) for t in cfg.test_pipeline
             if t['type'] not in ('LoadAnnotations', 'LoadAnnotationsOnce')]
    steps[0]['type'] = 'LoadImageFromNDArray'
    return Compose(steps)


def fast_path_unsupported(model: nn.Module) -> Optional[str]:
    """Why the fast path would not give ``inference_model``'s labels for
    ``model`` (a sentence), or None where it does."""
    if not isinstance(model, EncoderDecoder):
        return f'{type(model).__name__} is not an EncoderDecoder'
    if getattr(model, 'cfg', None) is None:
        return 'the model has no cfg (build it with init_model_checked)'
    mode = (model.test_cfg or {}).get('mode', 'whole')
    if mode != 'whole':
        return f"model.test_cfg.mode is '{mode}' (the fast path: 'whole')"
    if getattr(model.data_preprocessor, 'test_cfg', None):
        return 'model.data_preprocessor.test_cfg pads the test inputs'
    if model.decode_head.out_channels == 1:
        return 'the head has one output channel (a threshold, not argmax)'
    steps = [t['type'] for t in model.cfg.test_pipeline]
    other = [s for s in steps if s not in FAST_PIPELINE_STEPS]
    if other:
        return f'test_pipeline has {", ".join(other)}'
    return None


class FrameSegmenter:
    """Segments BGR frames (H, W, 3) into labels (H, W) and, in 'prob'
    mode, probabilities (K, H, W); ``model_s`` sums the seconds spent in
    the network (preprocessing and resizing to the frame included,
    reading, the test pipeline and writing not)."""

    description = ''

    def __init__(self, model: nn.Module, mode: str = 'cls') -> None:
        self.mode = check_output_mode(mode)
        if mode == 'logits':
            raise ValueError("mode must be 'cls' or 'prob', got 'logits'")
        self.num_classes = len(model.dataset_meta['classes'])
        self.model_s = 0.0

    def run(self, image: np.ndarray
            ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        raise NotImplementedError

    def __call__(self, image: np.ndarray
                 ) -> Tuple[np.ndarray, Optional[np.ndarray]]:
        labels, probs = self.run(image)
        return labels.astype(label_dtype(self.num_classes)), probs


class MMSegSegmenter(FrameSegmenter):
    """mmseg's ``inference_model`` on the model as it is (the reference the
    other segmenters are tested against); ``amp``: bfloat16 autocast with
    channels-last weights where the device has fast bfloat16."""

    def __init__(self, model: nn.Module, mode: str = 'cls',
                 amp: bool = False) -> None:
        super().__init__(model, mode)
        self.model = model
        device_type = next(model.parameters()).device.type
        enabled = amp and autocast_or_log(amp, device_type, 'inference')
        if amp:
            model.to(memory_format=torch.channels_last)
        self.autocast = torch.autocast(device_type, dtype=torch.bfloat16,
                                       enabled=enabled)
        self.description = ('PyTorch, mmseg inference_model' +
                            (', bfloat16' if enabled else ''))

    def run(self, image):
        started = time.perf_counter()
        with self.autocast:
            result = inference_model(self.model, image)
        self.model_s += time.perf_counter() - started
        labels = result.pred_sem_seg.data[0].cpu().numpy()
        probs = None
        if self.mode == 'prob':  # seg_logits hold logits at the frame size
            probs = logits_to_output(result.seg_logits.data[None], 'prob')
            probs = probs[0].float().cpu().numpy()
        return labels, probs


class FastSegmenter(FrameSegmenter):
    """The fast path (``build_fast_model``: BN folded, channels-last
    weights, argmax without softmax; ``amp``: bfloat16 autocast where the
    device has it) behind the config's test pipeline, with mmseg's
    resizing: logits at the pipeline's size, resized to the frame's, so
    labels equal ``inference_model``'s up to float rounding."""

    def __init__(self, model: nn.Module, mode: str = 'cls',
                 amp: bool = False) -> None:
        super().__init__(model, mode)
        reason = fast_path_unsupported(model)
        if reason:
            raise ValueError(f'the fast path does not apply: {reason}; '
                             'use mmseg inference_model (--no-fast)')
        self.device = next(model.parameters()).device
        bf16 = amp and autocast_or_log(amp, self.device.type, 'inference')
        self.pipeline = ndarray_pipeline(model.cfg)
        self.align_corners = model.decode_head.align_corners
        # at the frame's size: labels or probabilities straight out;
        # resized by the pipeline: logits, then mmseg's resize to the frame
        self.direct = build_fast_model(model, mode, with_preprocess=True,
                                       bfloat16=bf16)
        self.logits = build_fast_model(model, 'logits', with_preprocess=True,
                                       bfloat16=bf16)
        self.description = ('PyTorch fast path (BN folded, channels-last, '
                            f'{"bfloat16" if bf16 else "float32"})')

    def run(self, image):
        inputs = self.pipeline(dict(img=image))['inputs']
        x = inputs[None].to(self.device, torch.float32)
        size = image.shape[:2]
        started = time.perf_counter()
        with torch.inference_mode():
            if tuple(x.shape[2:]) == size:
                out = self.direct(x)
            else:
                out = logits_to_output(self.logits(x), self.mode, size,
                                       self.align_corners)
            out = out[0].cpu().numpy()
        self.model_s += time.perf_counter() - started
        if self.mode == 'cls':
            return out, None
        return out.argmax(0), out


class OnnxRuntimeSegmenter(FrameSegmenter):
    """An exported graph (``export_onnx``: BGR 0..255 in, normalisation and
    the working size inside) in ONNX Runtime on the CPU.

    ``onnx``: a file from tools/deployment/export_onnx.py (fp32 or
    ``--int8``); its input size is fixed, so frames of another size are an
    error naming the file. None: the model is exported in ``mode`` to a
    temporary file per frame size met, at the working size the config's
    test pipeline gives (``export_s`` sums the seconds spent exporting).
    """

    def __init__(self, model: nn.Module, mode: str = 'cls',
                 onnx: Optional[str] = None,
                 threads: Optional[int] = None) -> None:
        super().__init__(model, mode)
        self.model, self.onnx, self.threads = model, onnx, threads
        self.sessions: Dict[Tuple[int, int], object] = {}
        self.export_s = 0.0
        self.tmp: Optional[tempfile.TemporaryDirectory] = None
        if onnx is None:
            self.description = 'ONNX Runtime, fp32 exported on the fly'
            return
        meta = read_metadata(onnx)
        classes = meta.get('classes')
        if classes is not None and len(classes) != self.num_classes:
            raise ValueError(
                f'{onnx} has {len(classes)} classes, the config and '
                f'checkpoint {self.num_classes}')
        self.output = meta.get('output_name', 'cls')
        if mode == 'prob' and self.output != 'prob':
            raise ValueError(f'{onnx} outputs {self.output!r}, --mode prob '
                             'needs a graph exported with --mode prob')
        self.size = tuple(meta.get('input_size_hw') or ())
        session = create_session(onnx, threads)
        if not self.size:  # no metadata: the graph's own input shape
            self.size = tuple(session.get_inputs()[0].shape[2:])
        self.sessions[self.size] = session
        self.description = (f'ONNX Runtime, {osp.basename(onnx)} '
                            f'({meta.get("quantization", "fp32")})')

    def session(self, size: Tuple[int, int]):
        if size in self.sessions:
            return self.sessions[size]
        if self.onnx is not None:
            raise ValueError(
                f'{self.onnx} takes {self.size[0]}x{self.size[1]} frames, got '
                f'{size[0]}x{size[1]}; export one for this size '
                '(export_onnx.py --size) or leave out --onnx')
        started = time.perf_counter()
        if self.tmp is None:
            self.tmp = tempfile.TemporaryDirectory(prefix='infer_onnx_')
        path = osp.join(self.tmp.name, f'{size[0]}x{size[1]}.onnx')
        export_onnx(self.model, path, self.mode, size,
                    work_size=working_size(self.model.cfg, size))
        self.output = self.mode
        self.sessions[size] = create_session(path, self.threads)
        self.export_s += time.perf_counter() - started
        return self.sessions[size]

    def run(self, image):
        session = self.session(tuple(image.shape[:2]))
        x = np.ascontiguousarray(image.transpose(2, 0, 1)[None],
                                 dtype=np.float32)
        started = time.perf_counter()
        out = session.run(None, {session.get_inputs()[0].name: x})[0][0]
        self.model_s += time.perf_counter() - started
        if self.output == 'cls':
            return out, None
        return out.argmax(0), (out if self.mode == 'prob' else None)

    def close(self) -> None:
        """Remove the graphs exported on the fly."""
        if self.tmp is not None:
            self.tmp.cleanup()
            self.tmp = None


def build_segmenter(model: nn.Module,
                    backend: str = 'pytorch',
                    mode: str = 'cls',
                    fast: bool = True,
                    amp: bool = False,
                    onnx: Optional[str] = None,
                    threads: Optional[int] = None) -> FrameSegmenter:
    """The segmenter ``tools/infer.py`` runs.

    'pytorch': the fast path (:class:`FastSegmenter`) where it gives
    ``inference_model``'s labels (:func:`fast_path_unsupported`; otherwise,
    or with ``fast=False``, :class:`MMSegSegmenter`, logged);
    'onnxruntime': :class:`OnnxRuntimeSegmenter` (``onnx`` or exported on
    the fly). ``amp``: bfloat16 where the device has it (pytorch only).
    """
    if backend not in BACKENDS:
        raise ValueError(f'backend must be one of {BACKENDS}, got '
                         f'{backend!r}')
    if backend == 'onnxruntime':
        if amp:
            raise ValueError('--amp applies to --backend pytorch; ONNX '
                             'Runtime runs the graph as exported (fp32 or '
                             'INT8)')
        if next(model.parameters()).device.type != 'cpu':
            raise ValueError('--backend onnxruntime runs on the CPU: leave '
                             'out --device')
        return OnnxRuntimeSegmenter(model, mode, onnx, threads)
    if onnx is not None:
        raise ValueError('--onnx needs --backend onnxruntime')
    reason = fast_path_unsupported(model) if fast else None
    if fast and reason is None:
        return FastSegmenter(model, mode, amp)
    if reason:
        print_log(f'inference: mmseg inference_model, not the fast path '
                  f'({reason})', logger='current', level=logging.WARNING)
    return MMSegSegmenter(model, mode, amp)
