"""A plain ``nn.Module`` view of a segmentor for tracing and ONNX export."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder
from ..outputs import check_output_mode, logits_to_output


class SegmentorExportWrapper(nn.Module):
    """Image (N, 3, H, W) -> labels (N, H, W) int64 ('cls'), probabilities
    (N, K, H, W) ('prob') or logits (N, K, H, W) ('logits', for parity
    checks), all at the input size.

    No data samples, no Python branching on tensor values: suitable for
    ``torch.jit.trace`` and ``torch.onnx.export``.

    Args:
        segmentor: An ``EncoderDecoder`` in eval mode.
        infer_mode: 'cls', 'prob' or 'logits'
            (:func:`~mmseg_fastscnn.models.outputs.logits_to_output`).
        with_preprocess: Take raw images as mmseg reads them (BGR, float
            0..255) and apply the segmentor's data preprocessor (channel
            flip, mean/std) inside; otherwise inputs are already normalised.
        work_size: (h, w) the network runs at, e.g. (540, 720) for a model
            whose test pipeline resizes CamVid's 360x480 frames by 1.5x
            (see ``working_size``): inputs are resized to it (bilinear) and
            the outputs come back at the input size. None: the input size.
    """

    def __init__(self,
                 segmentor: EncoderDecoder,
                 infer_mode: str = 'cls',
                 with_preprocess: bool = False,
                 work_size: Optional[Tuple[int, int]] = None) -> None:
        super().__init__()
        self.work_size = None if work_size is None else tuple(work_size)
        head = segmentor.decode_head
        self.infer_mode = check_output_mode(infer_mode)
        self.backbone = segmentor.backbone
        self.neck = segmentor.neck if segmentor.with_neck else None
        self.decode_head = head
        self.with_preprocess = with_preprocess
        pre = segmentor.data_preprocessor
        if with_preprocess:
            self.flip_channels = bool(getattr(pre, 'channel_conversion',
                                              False))
            # SegDataPreProcessor registers mean / std only when it normalizes
            normalize = getattr(pre, 'mean', None) is not None
            mean = pre.mean if normalize else torch.zeros(3)
            std = pre.std if normalize else torch.ones(3)
            self.register_buffer('mean',
                                 mean.detach().clone().reshape(1, -1, 1, 1))
            self.register_buffer('std',
                                 std.detach().clone().reshape(1, -1, 1, 1))

    def forward(self, inputs: Tensor) -> Tensor:
        if self.with_preprocess:
            if self.flip_channels:
                inputs = inputs.flip(1)
            inputs = (inputs - self.mean) / self.std
        out_size = inputs.shape[2:]
        if self.work_size is not None and self.work_size != tuple(out_size):
            inputs = F.interpolate(
                inputs, size=self.work_size, mode='bilinear',
                align_corners=False)
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        logits = self.decode_head(feats)
        return logits_to_output(logits, self.infer_mode, out_size,
                                self.decode_head.align_corners)
