"""The fast PyTorch inference path: BN folded, channels-last, labels out."""
import copy
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import fuse_conv_bn

from ..models.segmentors import SegmentorExportWrapper


def fold_batchnorm(module: nn.Module) -> nn.Module:
    """A copy of ``module`` in eval mode with every BN folded into the conv
    before it (mmcv's ``fuse_conv_bn``); outputs equal to float rounding."""
    module = copy.deepcopy(module).eval()
    return fuse_conv_bn(module)


def build_fast_model(segmentor: nn.Module,
                     infer_mode: str = 'cls',
                     channels_last: bool = True,
                     with_preprocess: bool = False,
                     work_size: Optional[Tuple[int, int]] = None,
                     bfloat16: bool = False) -> nn.Module:
    """Segmentor -> module mapping images (N, 3, H, W) to labels (N, H, W)
    ('cls': argmax, no softmax) or probabilities ('prob').

    BN folded into the convs, auxiliary heads and data samples left out, and
    (``channels_last``) weights in NHWC, which mkldnn runs faster on CPUs.
    Labels equal the plain model's up to float rounding at exact ties.
    ``work_size``: see ``SegmentorExportWrapper``. ``bfloat16``: the
    network runs in bfloat16 autocast (probabilities come out float32);
    on CamVid val its labels agree with float32's on 99.9% of the pixels
    (docs/deployment.md).
    """
    wrapper = SegmentorExportWrapper(
        fold_batchnorm(segmentor), infer_mode, with_preprocess,
        work_size).eval()
    if channels_last:
        wrapper = wrapper.to(memory_format=torch.channels_last)
    for p in wrapper.parameters():
        p.requires_grad_(False)
    if channels_last:
        wrapper = ChannelsLastInput(wrapper)
    return BFloat16Autocast(wrapper) if bfloat16 else wrapper


class BFloat16Autocast(nn.Module):
    """Runs the wrapped module in bfloat16 autocast; float outputs are
    returned as float32, labels as they are."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        with torch.autocast(inputs.device.type, dtype=torch.bfloat16):
            out = self.module(inputs)
        return out.float() if out.is_floating_point() else out


class ChannelsLastInput(nn.Module):
    """Converts the input to channels-last before the wrapped module."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.module(inputs.contiguous(memory_format=torch.channels_last))
