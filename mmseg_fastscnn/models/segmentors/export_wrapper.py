"""A plain ``nn.Module`` view of a segmentor for tracing and ONNX export."""
import torch.nn as nn
from torch import Tensor

from mmseg.models.segmentors import EncoderDecoder


class SegmentorExportWrapper(nn.Module):
    """Normalised image (N, 3, H, W) -> labels (N, H, W) int64 in 'cls' mode
    or probabilities (N, K, H, W) in 'prob' mode.

    No data samples, no Python branching on tensor values: suitable for
    ``torch.jit.trace`` and ``torch.onnx.export``. The mode is the decode
    head's ``infer_mode`` unless given.

    Args:
        segmentor: An ``EncoderDecoder`` whose decode head has ``infer``
            (e.g. ``FastSCNNClassifierHead``), in eval mode.
        infer_mode: 'cls' or 'prob'; None keeps the head's.
    """

    def __init__(self, segmentor: EncoderDecoder,
                 infer_mode: str = None) -> None:
        super().__init__()
        head = segmentor.decode_head
        if not hasattr(head, 'infer'):
            raise TypeError(f'{type(head).__name__} has no infer(); use '
                            'FastSCNNClassifierHead')
        infer_mode = head.infer_mode if infer_mode is None else infer_mode
        if infer_mode not in ('cls', 'prob'):
            raise ValueError(
                f"infer_mode must be 'cls' or 'prob', got {infer_mode!r}")
        self.infer_mode = infer_mode
        self.backbone = segmentor.backbone
        self.neck = segmentor.neck if segmentor.with_neck else None
        self.decode_head = head

    def forward(self, inputs: Tensor) -> Tensor:
        feats = self.backbone(inputs)
        if self.neck is not None:
            feats = self.neck(feats)
        logits = self.decode_head(feats)
        return self.decode_head.infer(logits, inputs.shape[2:],
                                      self.infer_mode)
