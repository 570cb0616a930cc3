"""ONNX export, metadata, parity check, ONNX Runtime sessions and INT8
quantization."""
import json
import os
import os.path as osp
import tempfile
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from ..models.segmentors import SegmentorExportWrapper
from .fast_inference import fold_batchnorm


def export_onnx(segmentor: nn.Module,
                path: str,
                infer_mode: str = 'cls',
                size: Tuple[int, int] = (360, 480),
                dynamic: bool = False,
                with_preprocess: bool = True,
                opset: int = 18,
                work_size: Optional[Tuple[int, int]] = None) -> str:
    """Export ``segmentor`` (BN folded) to ONNX with torch's dynamo exporter.

    Input ``image``: (N, 3, H, W) float32, BGR 0..255 as cv2 reads it when
    ``with_preprocess`` (normalisation is inside the graph). Output ``cls``
    (N, H, W) int64 or ``prob`` / ``logits`` (N, K, H, W). ``dynamic``
    makes the batch symbolic. Height and width stay fixed: the exporter
    turns the PPM's adaptive pooling into index tables computed for the
    export size (measured: another size fails in ONNX Runtime with an
    invalid GatherND index), so export once per input size. ``work_size``
    (h, w): the graph resizes its input to it for the network and returns
    outputs at the input size (see ``SegmentorExportWrapper``).
    """
    wrapper = SegmentorExportWrapper(
        fold_batchnorm(segmentor), infer_mode, with_preprocess,
        work_size).eval()
    example = torch.rand(1, 3, *size) * 255
    dynamic_shapes = None
    if dynamic:
        dim = torch.export.Dim
        dynamic_shapes = ({0: dim('batch', min=1, max=256)}, )
    with torch.no_grad():
        torch.onnx.export(
            wrapper, (example, ),
            path,
            input_names=['image'],
            output_names=[infer_mode],
            dynamo=True,
            dynamic_shapes=dynamic_shapes,
            opset_version=opset,
            external_data=False,
            verbose=False)  # no progress lines on stdout
    return path


def create_session(path: str, threads: Optional[int] = None):
    """ONNX Runtime CPU session; thread spinning off so idle workers do not
    steal the cores from whatever runs next."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = (
        ort.GraphOptimizationLevel.ORT_ENABLE_ALL)
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    options.add_session_config_entry('session.inter_op.allow_spinning', '0')
    return ort.InferenceSession(
        path, options, providers=['CPUExecutionProvider'])


def onnx_parity(segmentor: nn.Module, onnx_path: str,
                images: Iterable[np.ndarray],
                infer_mode: str = 'cls',
                work_size: Optional[Tuple[int, int]] = None) -> dict:
    """Compare an exported model with PyTorch on raw BGR images (H, W, 3);
    ``work_size`` as the export's.

    Returns the max absolute logit difference (through a logits export of
    the same graph) and the fraction of pixels whose labels agree.
    """
    torch_model = SegmentorExportWrapper(
        segmentor.eval(), 'logits', with_preprocess=True,
        work_size=work_size).eval()
    session = create_session(onnx_path)
    images = list(images)
    h, w = images[0].shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        logits_path = export_onnx(
            segmentor, osp.join(tmp, 'logits.onnx'), 'logits', (h, w),
            work_size=work_size)
        logits_session = create_session(logits_path)
        max_diff, agree, total = 0.0, 0, 0
        for image in images:
            x = image.transpose(2, 0, 1)[None].astype(np.float32)
            with torch.no_grad():
                ref = torch_model(torch.from_numpy(x)).numpy()
            got = logits_session.run(None, {'image': x})[0]
            max_diff = max(max_diff, float(np.abs(got - ref).max()))
            out = session.run(None, {'image': x})[0]
            labels = out if infer_mode == 'cls' else out.argmax(1)
            agree += int((labels == ref.argmax(1)).sum())
            total += labels.size
    return dict(max_logit_diff=max_diff, label_agreement=agree / total)


def write_metadata(path: str, metadata: Dict[str, object]) -> None:
    """Store ``metadata`` in the ONNX file's ``metadata_props`` (strings;
    lists and dicts as JSON), rewriting the file through a temporary one
    so that it is never left half written."""
    import onnx
    model = onnx.load(path)
    del model.metadata_props[:]
    for key, value in metadata.items():
        entry = model.metadata_props.add()
        entry.key = key
        entry.value = value if isinstance(value, str) else json.dumps(value)
    tmp = path + '.tmp'
    try:
        onnx.save(model, tmp)
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def read_metadata(path: str) -> Dict[str, object]:
    """``metadata_props`` of an ONNX file, JSON values decoded."""
    import onnx
    model = onnx.load(path, load_external_data=False)
    out = {}
    for entry in model.metadata_props:
        try:
            out[entry.key] = json.loads(entry.value)
        except ValueError:
            out[entry.key] = entry.value
    return out


def label_agreement(onnx_path: str, images: Sequence[np.ndarray],
                    expected: Sequence[np.ndarray],
                    infer_mode: str = 'cls') -> float:
    """Fraction of pixels whose ONNX label equals the ``expected`` (H, W)
    labels of raw BGR images (H, W, 3), e.g. those of mmseg's
    ``inference_model``, which tools/infer.py writes."""
    session = create_session(onnx_path)
    agree = total = 0
    for image, labels_expected in zip(images, expected):
        x = image.transpose(2, 0, 1)[None].astype(np.float32)
        out = session.run(None, {'image': x})[0][0]
        labels = out if infer_mode == 'cls' else out.argmax(0)
        agree += int((labels == np.asarray(labels_expected)).sum())
        total += labels.size
    return agree / total


class _ImageReader:
    """CalibrationDataReader over raw BGR images (H, W, 3)."""

    def __init__(self, images: Sequence[np.ndarray]) -> None:
        self._iter = iter([{
            'image': img.transpose(2, 0, 1)[None].astype(np.float32)
        } for img in images])

    def get_next(self):
        return next(self._iter, None)

    def rewind(self):  # pragma: no cover  (ORT API)
        pass


def quantize_int8(fp32_path: str, int8_path: str,
                  calibration_images: Sequence[np.ndarray]) -> str:
    """ONNX Runtime static INT8 quantization (QDQ, per-channel weights),
    calibrated on ``calibration_images``."""
    from onnxruntime.quantization import (CalibrationDataReader, QuantFormat,
                                          QuantType, quantize_static)
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(_ImageReader, CalibrationDataReader):
        pass

    with tempfile.TemporaryDirectory() as tmp:
        prepared = osp.join(tmp, 'prepared.onnx')
        quant_pre_process(fp32_path, prepared, skip_symbolic_shape=True)
        quantize_static(
            prepared,
            int8_path,
            Reader(calibration_images),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8)
    return int8_path
