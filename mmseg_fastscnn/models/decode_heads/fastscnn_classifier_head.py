"""Fast-SCNN classifier: two DSConvs and a 1x1 conv (paper, Table 1)."""
from typing import List, Optional, Tuple

import torch.nn as nn
from mmcv.cnn import DepthwiseSeparableConvModule
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS

# what a prediction holds as seg_logits / what infer() and the export return
INFER_MODES = ('cls', 'prob', 'logits')


def check_infer_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`INFER_MODES`, else ValueError."""
    if mode not in INFER_MODES:
        raise ValueError(
            f'infer_mode must be one of {INFER_MODES}, got {mode!r}')
    return mode


@MODELS.register_module()
class FastSCNNClassifierHead(BaseDecodeHead):
    """Classifier of Fast-SCNN: (N, C, h, w) -> logits (N, K, h, w).

    ``num_convs`` depthwise-separable 3x3 convs (BN + ReLU after the
    depthwise and the pointwise part), dropout, then a 1x1 conv to the
    ``num_classes`` logits. Training always uses the softmax losses in
    ``loss_decode``; at inference ``infer_mode`` decides what ``predict``
    returns as ``seg_logits``: 'cls' and 'logits' keep logits (labels are
    their argmax, no softmax is computed), 'prob' returns softmax
    probabilities. :meth:`infer` (and the export built on it) returns labels,
    probabilities or logits. The mode is checked wherever it is set.

    Args:
        num_convs (int): DSConvs before the classifier. Default: 2.
        kernel_size (int): Kernel of the DSConvs. Default: 3.
        infer_mode (str): 'cls', 'prob' or 'logits'. Default: 'cls'.
        **kwargs: Passed to :class:`BaseDecodeHead` (in_channels, channels,
            num_classes, norm_cfg, loss_decode, ...).
    """

    def __init__(self,
                 num_convs: int = 2,
                 kernel_size: int = 3,
                 infer_mode: str = 'cls',
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        self.infer_mode = infer_mode
        self._check_class_weights()
        convs: List[nn.Module] = []
        channels = self.in_channels
        for _ in range(num_convs):
            convs.append(
                DepthwiseSeparableConvModule(
                    channels,
                    self.channels,
                    kernel_size,
                    padding=kernel_size // 2,
                    norm_cfg=self.norm_cfg,
                    act_cfg=self.act_cfg))
            channels = self.channels
        if channels != self.channels:
            raise ValueError('num_convs=0 needs in_channels == channels, got '
                             f'{self.in_channels} and {self.channels}')
        self.convs = nn.Sequential(*convs)

    @property
    def infer_mode(self) -> str:
        return self._infer_mode

    @infer_mode.setter
    def infer_mode(self, mode: str) -> None:
        self._infer_mode = check_infer_mode(mode)

    def _check_class_weights(self) -> None:
        """Refuse class weights whose length is not ``num_classes``."""
        losses = self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode]
        for loss in losses:
            for attr in ('class_weight', 'alpha'):
                weight = getattr(loss, attr, None)
                if weight is not None and weight.numel() != self.num_classes:
                    raise ValueError(
                        f'{type(loss).__name__}.{attr} has {weight.numel()} '
                        f'entries but num_classes is {self.num_classes}: fix '
                        f'loss_decode {attr} (or num_classes) in the config')

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tensor:
        """Backbone features -> logits (N, K, h, w) at the feature size."""
        x = self._transform_inputs(inputs)
        return self.cls_seg(self.convs(x))

    def predict_by_feat(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Resize to the input size; softmax in 'prob' mode: (N, K, H, W)."""
        seg_logits = super().predict_by_feat(seg_logits, batch_img_metas)
        if self.infer_mode == 'prob':
            return seg_logits.softmax(dim=1)
        return seg_logits

    def infer(self,
              logits: Tensor,
              size: Tuple[int, int],
              mode: Optional[str] = None) -> Tensor:
        """Logits (N, K, h, w) -> labels (N, H, W) in 'cls' mode (argmax, no
        softmax), probabilities (N, K, H, W) in 'prob' mode, or the resized
        logits in 'logits' mode; ``mode`` defaults to ``infer_mode``."""
        mode = self.infer_mode if mode is None else check_infer_mode(mode)
        logits = resize(
            logits, size=size, mode='bilinear',
            align_corners=self.align_corners, warning=False)
        if mode == 'cls':
            return logits.argmax(dim=1)
        if mode == 'logits':
            return logits
        return logits.softmax(dim=1)
