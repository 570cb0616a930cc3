"""Fast-SCNN classifier: two DSConvs and a 1x1 conv (paper, Table 1)."""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import DepthwiseSeparableConvModule
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList

# what a prediction holds as seg_logits / what infer() and the export return
INFER_MODES = ('cls', 'prob', 'logits')


def pixel_accuracy(logits: Tensor, labels: Tensor, ignore_index: int,
                   stride: int = 1) -> Tensor:
    """Top-1 accuracy in percent of logits (N, K, H, W) against labels
    (N, H, W) over the pixels of a ``stride`` grid; at stride 1 mmseg's
    ``accuracy`` itself (a ``topk`` over every pixel)."""
    if stride == 1:
        return accuracy(logits, labels, ignore_index=ignore_index)
    with torch.no_grad():
        logits = logits[..., ::stride, ::stride]
        labels = labels[..., ::stride, ::stride]
        valid = labels != ignore_index
        correct = (logits.argmax(dim=1) == labels) & valid
        return correct.sum() * 100.0 / valid.sum().clamp_min(1)


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
        train_acc_stride (int): The logged train accuracy ``acc_seg`` is
            taken on every ``train_acc_stride``-th pixel each way (4: 1/16
            of the pixels, a near-free estimate; 1: every pixel with mmseg's
            ``accuracy``, a tenth of a bfloat16 step on a CPU). Default: 4.
        **kwargs: Passed to :class:`BaseDecodeHead` (in_channels, channels,
            num_classes, norm_cfg, loss_decode, ...).
    """

    def __init__(self,
                 num_convs: int = 2,
                 kernel_size: int = 3,
                 infer_mode: str = 'cls',
                 train_acc_stride: int = 4,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        if not isinstance(train_acc_stride, int) or train_acc_stride < 1:
            raise ValueError('train_acc_stride must be an int >= 1, got '
                             f'{train_acc_stride!r}')
        self.train_acc_stride = train_acc_stride
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

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """BaseDecodeHead's losses, with ``acc_seg`` from
        :func:`pixel_accuracy` at ``train_acc_stride`` (mmseg's hard-codes a
        ``topk`` over every pixel)."""
        seg_label = self._stack_batch_gt(batch_data_samples)
        seg_logits = resize(
            seg_logits, size=seg_label.shape[2:], mode='bilinear',
            align_corners=self.align_corners)
        seg_weight = None if self.sampler is None else self.sampler.sample(
            seg_logits, seg_label)
        seg_label = seg_label.squeeze(1)
        losses = self.loss_decode if isinstance(
            self.loss_decode, nn.ModuleList) else [self.loss_decode]
        loss: Dict[str, Tensor] = {}
        for loss_decode in losses:
            value = loss_decode(seg_logits, seg_label, weight=seg_weight,
                                ignore_index=self.ignore_index)
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        loss['acc_seg'] = pixel_accuracy(seg_logits, seg_label,
                                         self.ignore_index,
                                         self.train_acc_stride)
        return loss

    def predict_by_feat(self, seg_logits: Tensor,
                        batch_img_metas: List[dict]) -> Tensor:
        """Resize to the input size; softmax in 'prob' mode: (N, K, H, W)."""
        seg_logits = super().predict_by_feat(seg_logits, batch_img_metas)
        if self.infer_mode == 'prob':
            return seg_logits.float().softmax(dim=1)
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
        return logits.float().softmax(dim=1)  # float32 under autocast
