"""Fast-SCNN classifier: two DSConvs and a 1x1 conv (paper, Table 1)."""
import warnings
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmcv.cnn import DepthwiseSeparableConvModule
from torch import Tensor

from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.models.losses import accuracy
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from ..bilinear import upsample_bilinear
from ..outputs import check_output_mode
from .loss_modules import decode_losses


def argmax_accuracy(logits: Tensor, labels: Tensor,
                    ignore_index: int) -> Tensor:
    """Top-1 accuracy in percent of logits (N, K, H, W) against labels
    (N, H, W), void pixels left out."""
    with torch.no_grad():
        valid = labels != ignore_index
        correct = (logits.argmax(dim=1) == labels) & valid
        return correct.sum() * 100.0 / valid.sum().clamp_min(1)


def pixel_accuracy(logits: Tensor, labels: Tensor, ignore_index: int,
                   stride: int = 1) -> Tensor:
    """Top-1 accuracy in percent of logits (N, K, H, W) against labels
    (N, H, W) over the pixels of a ``stride`` grid; at stride 1 mmseg's
    ``accuracy`` itself (a ``topk`` over every pixel)."""
    if stride == 1:
        return accuracy(logits, labels, ignore_index=ignore_index)
    return argmax_accuracy(logits[..., ::stride, ::stride],
                           labels[..., ::stride, ::stride], ignore_index)


def per_class_entries(weight: object) -> Optional[int]:
    """Entries of a per-class weight (list, tuple, array, tensor), or None
    for None, a scalar (a float, a 0-d array or tensor) or anything else."""
    if weight is None or isinstance(weight, (str, bool, int, float)):
        return None
    try:
        values = np.asarray(
            weight.detach().cpu() if isinstance(weight, Tensor) else weight,
            dtype=np.float64)
    except (TypeError, ValueError):
        return None
    return None if values.ndim == 0 else int(values.size)


@MODELS.register_module()
class FastSCNNClassifierHead(BaseDecodeHead):
    """Classifier of Fast-SCNN: (N, C, h, w) -> logits (N, K, h, w).

    ``num_convs`` depthwise-separable 3x3 convs (BN + ReLU after the
    depthwise and the pointwise part), dropout, then a 1x1 conv to the
    ``num_classes`` logits, which ``predict`` returns as ``seg_logits``
    (as every mmseg head does). Labels, probabilities or logits are chosen
    where predictions leave the model (:mod:`mmseg_fastscnn.models.outputs`:
    the export wrapper, the fast path, ``tools/infer.py --mode``).

    Args:
        num_convs (int): DSConvs before the classifier. Default: 2.
        kernel_size (int): Kernel of the DSConvs. Default: 3.
        infer_mode (str | None): Ignored (older configs set it); 'prob'
            warns that ``seg_logits`` hold logits.
        train_acc_stride (int): The logged train accuracy ``acc_seg`` is
            taken on every ``train_acc_stride``-th pixel each way (4: 1/16
            of the pixels, a near-free estimate; 1: every pixel with mmseg's
            ``accuracy``, a tenth of a bfloat16 step on a CPU). Default: 4.
        skip_in_index (int | None): A finer feature map (the backbone's
            1/4 ``quarter`` output) whose 1x1-conv class scores are added to
            the logits upsampled to its size (FCN-8s' skip); the 1x1 conv
            starts at zero, so the head starts as the paper's. Default: None
            (no skip: logits at the ``in_index`` feature size).
        skip_channels (int): Channels of that map; required with
            ``skip_in_index``. Default: 0.
        fused_upsample_loss (bool): Losses that can (``accepts_low_res_logits``)
            take the logits at the feature size and upsample them inside,
            fused with the loss; False resizes the logits to the labels first,
            as mmseg's heads do (the same loss, slower on a CPU:
            docs/training_speed.md). Default: True.
        **kwargs: Passed to :class:`BaseDecodeHead` (in_channels, channels,
            num_classes, norm_cfg, loss_decode, ...).
    """

    def __init__(self,
                 num_convs: int = 2,
                 kernel_size: int = 3,
                 infer_mode: Optional[str] = None,
                 train_acc_stride: int = 4,
                 skip_in_index: Optional[int] = None,
                 skip_channels: int = 0,
                 fused_upsample_loss: bool = True,
                 **kwargs) -> None:
        super().__init__(**kwargs)
        if self.input_transform is not None:
            raise ValueError(
                'FastSCNNClassifierHead classifies one feature map (in_index)'
                f': input_transform must be None, got '
                f'{self.input_transform!r}')
        if num_convs < 0:
            raise ValueError(f'num_convs must be >= 0, got {num_convs}')
        if not isinstance(train_acc_stride, int) or train_acc_stride < 1:
            raise ValueError('train_acc_stride must be an int >= 1, got '
                             f'{train_acc_stride!r}')
        self.train_acc_stride = train_acc_stride
        if not isinstance(fused_upsample_loss, bool):
            raise ValueError('fused_upsample_loss must be True or False, got '
                             f'{fused_upsample_loss!r}')
        self.fused_upsample_loss = fused_upsample_loss
        if infer_mode is not None:  # older configs: logits all the same
            check_output_mode(infer_mode)
            if infer_mode == 'prob':
                warnings.warn(
                    "FastSCNNClassifierHead infer_mode='prob' is ignored: the "
                    'head returns logits; probabilities come from '
                    'tools/infer.py --mode prob, export_onnx.py --mode prob '
                    'or mmseg_fastscnn.models.outputs')
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
        self.skip_in_index = skip_in_index
        if skip_in_index is not None:
            if not isinstance(skip_channels, int) or skip_channels < 1:
                raise ValueError(
                    'skip_in_index needs skip_channels, the channels of that '
                    f'feature map (48 for the quarter output), got '
                    f'{skip_channels!r}')
            self.skip_seg = nn.Conv2d(skip_channels, self.out_channels, 1)
            nn.init.zeros_(self.skip_seg.weight)
            nn.init.zeros_(self.skip_seg.bias)

    def _check_class_weights(self) -> None:
        """Refuse per-class weights whose length is not ``num_classes``.

        Every loss's ``class_weight`` and ``alpha`` is looked at, in any form
        a loss keeps it (list, array, tensor: mmseg's losses keep the list
        or the array read from a file); a scalar (mmseg ``FocalLoss``'s
        float ``alpha``) is not per-class and is left alone."""
        losses = decode_losses(self)
        for loss in losses:
            for attr in ('class_weight', 'alpha'):
                entries = per_class_entries(getattr(loss, attr, None))
                if entries is not None and entries != self.num_classes:
                    raise ValueError(
                        f'{type(loss).__name__}.{attr} has {entries} '
                        f'entries but num_classes is {self.num_classes}: fix '
                        f'loss_decode {attr} (or num_classes) in the config')

    def forward(self, inputs: Tuple[Tensor, ...]) -> Tensor:
        """Backbone features -> logits (N, K, h, w) at the feature size
        (with a skip: at the skip feature's size)."""
        logits = self.cls_seg(self.convs(inputs[self.in_index]))
        if self.skip_in_index is None:
            return logits
        skip = inputs[self.skip_in_index]
        return resize(logits, size=skip.shape[2:], mode='bilinear',
                      align_corners=self.align_corners) + self.skip_seg(skip)

    def loss_by_feat(self, seg_logits: Tensor,
                     batch_data_samples: SampleList) -> Dict[str, Tensor]:
        """BaseDecodeHead's losses, with ``acc_seg`` from
        :func:`pixel_accuracy` at ``train_acc_stride`` (mmseg's hard-codes a
        ``topk`` over every pixel).

        With ``fused_upsample_loss``, a loss that declares
        ``accepts_low_res_logits`` (``SoftmaxCrossEntropyLoss``) gets the
        logits (N, K, h, w) and upsamples them itself; the others get them
        resized to the labels (N, K, H, W), computed once and only if one
        needs them."""
        seg_label = torch.stack(  # (N, 1, H, W)
            [sample.gt_sem_seg.data for sample in batch_data_samples])
        size = seg_label.shape[2:]
        full: Optional[Tensor] = None

        def at_label_size() -> Tensor:
            nonlocal full
            if full is None:
                full = resize(seg_logits, size=size, mode='bilinear',
                              align_corners=self.align_corners)
            return full

        seg_weight = None if self.sampler is None else self.sampler.sample(
            at_label_size(), seg_label)
        seg_label = seg_label.squeeze(1)
        losses = decode_losses(self)
        loss: Dict[str, Tensor] = {}
        for loss_decode in losses:
            if (self.fused_upsample_loss and seg_weight is None and getattr(
                    loss_decode, 'accepts_low_res_logits', False)):
                value = loss_decode(seg_logits, seg_label,
                                    ignore_index=self.ignore_index,
                                    align_corners=self.align_corners)
            else:
                value = loss_decode(at_label_size(), seg_label,
                                    weight=seg_weight,
                                    ignore_index=self.ignore_index)
            name = loss_decode.loss_name
            loss[name] = loss[name] + value if name in loss else value
        if full is None and self.train_acc_stride > 1:
            grid = upsample_bilinear(seg_logits.detach(), size,
                                     self.align_corners,
                                     self.train_acc_stride)
            stride = self.train_acc_stride
            loss['acc_seg'] = argmax_accuracy(
                grid, seg_label[..., ::stride, ::stride], self.ignore_index)
        else:
            loss['acc_seg'] = pixel_accuracy(at_label_size(), seg_label,
                                             self.ignore_index,
                                             self.train_acc_stride)
        return loss
