"""Fast-SCNN backbone as Table 1 of the paper describes it.

`Fast-SCNN: Fast Semantic Segmentation Network
<https://arxiv.org/abs/1902.04502>`_ (Poudel, Liwicki, Cipolla, 2019).

mmseg's own ``FastSCNN`` differs from the paper in two places that matter for
size and accuracy: its pyramid pooling output conv is 3x3 (1.40M parameters
with the head instead of the paper's 1.11M; this module has 1.14M with 11
classes) and its feature fusion upsamples the low resolution branch
without the dilated depthwise conv of the paper's Table 3. This module
follows the paper; the building blocks (ConvModule,
DepthwiseSeparableConvModule, InvertedResidual, PPM) are the toolbox's.
"""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule, DepthwiseSeparableConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmseg.models.decode_heads.psp_head import PPM
from mmseg.models.utils import InvertedResidual, make_divisible, resize
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, OptConfigType, OptMultiConfig


class LearningToDownsample(nn.Module):
    """Conv2D (s2) + DSConv (s2) + DSConv (s2): (N, 3, H, W) ->
    (N, C2, H/4, W/4) after the first DSConv and (N, C3, H/8, W/8).

    Args:
        in_channels (int): Input image channels.
        channels (Sequence[int]): Output channels of the three layers,
            (32, 48, 64) in the paper.
        conv_cfg (dict | None): Conv layer config.
        norm_cfg (dict): Norm layer config.
        act_cfg (dict): Activation config, used after every conv.
    """

    def __init__(self, in_channels: int, channels: Sequence[int],
                 conv_cfg: OptConfigType, norm_cfg: ConfigType,
                 act_cfg: ConfigType) -> None:
        super().__init__()
        c1, c2, c3 = channels
        self.conv = ConvModule(
            in_channels, c1, 3, stride=2, padding=1, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.dsconv1 = DepthwiseSeparableConvModule(
            c1, c2, 3, stride=2, padding=1, norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.dsconv2 = DepthwiseSeparableConvModule(
            c2, c3, 3, stride=2, padding=1, norm_cfg=norm_cfg,
            act_cfg=act_cfg)

    def forward(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        quarter = self.dsconv1(self.conv(x))
        return quarter, self.dsconv2(quarter)


class GlobalFeatureExtractor(nn.Module):
    """Three groups of MobileNet-V2 bottlenecks, then an optional PPM.

    (N, C_in, H/8, W/8) -> (N, C_out, H/32, W/32) with the paper's strides
    (2, 2, 1). The PPM pools to ``pool_scales`` bins, reduces each with a 1x1
    conv to ``C/4`` channels, upsamples bilinearly, concatenates with its
    input and fuses with a 1x1 conv (the paper's PPM; mmseg's is 3x3).

    Args:
        in_channels (int): Input channels (64).
        block_channels (Sequence[int]): Output channels of the groups.
        num_blocks (Sequence[int]): Bottlenecks per group.
        strides (Sequence[int]): Stride of the first bottleneck per group.
        expand_ratio (int): Bottleneck expansion factor t.
        out_channels (int): Output channels of the PPM fusion conv.
        pool_scales (Sequence[int]): PPM bins.
        use_ppm (bool): Build the PPM; without it a 1x1 conv maps the last
            group's channels to ``out_channels`` (identity when they match).
        conv_cfg, norm_cfg, act_cfg (dict): Layer configs.
        align_corners (bool): ``align_corners`` of the PPM's upsampling.
    """

    def __init__(self, in_channels: int, block_channels: Sequence[int],
                 num_blocks: Sequence[int], strides: Sequence[int],
                 expand_ratio: int, out_channels: int,
                 pool_scales: Sequence[int], use_ppm: bool,
                 conv_cfg: OptConfigType, norm_cfg: ConfigType,
                 act_cfg: ConfigType, align_corners: bool) -> None:
        super().__init__()
        groups: List[nn.Module] = []
        channels = in_channels
        for out_c, n, stride in zip(block_channels, num_blocks, strides):
            blocks = []
            for i in range(n):
                blocks.append(
                    InvertedResidual(
                        channels,
                        out_c,
                        stride if i == 0 else 1,
                        expand_ratio,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                        act_cfg=act_cfg))
                channels = out_c
            groups.append(nn.Sequential(*blocks))
        self.bottleneck1, self.bottleneck2, self.bottleneck3 = groups
        self.use_ppm = use_ppm
        if use_ppm:
            self.ppm = PPM(
                tuple(pool_scales),
                channels,
                channels // 4,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg,
                align_corners=align_corners)
            self.out = ConvModule(
                channels + len(pool_scales) * (channels // 4),
                out_channels,
                1,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=act_cfg)
        elif channels != out_channels:
            self.out = ConvModule(
                channels, out_channels, 1, conv_cfg=conv_cfg,
                norm_cfg=norm_cfg, act_cfg=act_cfg)
        else:
            self.out = nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        x = self.bottleneck3(self.bottleneck2(self.bottleneck1(x)))
        if self.use_ppm:
            x = torch.cat([x, *self.ppm(x)], dim=1)
        return self.out(x)


class FeatureFusionModule(nn.Module):
    """Fuse the 1/8 and the 1/32 branch: (N, C_hi, h, w), (N, C_lo, h/4, w/4)
    -> (N, C_out, h, w).

    Low resolution: upsample x4, 3x3 depthwise conv with dilation 4 + BN +
    ReLU, 1x1 conv + BN. High resolution: 1x1 conv + BN. Add, then ReLU.

    Args:
        higher_in_channels (int): Channels of the 1/8 branch.
        lower_in_channels (int): Channels of the 1/32 branch.
        out_channels (int): Output channels.
        dilation (int): Dilation of the depthwise conv (the upsampling factor
            in the paper's Table 3).
        conv_cfg, norm_cfg, act_cfg (dict): Layer configs.
        align_corners (bool): ``align_corners`` of the upsampling.
    """

    def __init__(self, higher_in_channels: int, lower_in_channels: int,
                 out_channels: int, dilation: int, conv_cfg: OptConfigType,
                 norm_cfg: ConfigType, act_cfg: ConfigType,
                 align_corners: bool) -> None:
        super().__init__()
        self.align_corners = align_corners
        self.dwconv = ConvModule(
            lower_in_channels,
            lower_in_channels,
            3,
            padding=dilation,
            dilation=dilation,
            groups=lower_in_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.conv_lower_res = ConvModule(
            lower_in_channels, out_channels, 1, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg, act_cfg=None)
        self.conv_higher_res = ConvModule(
            higher_in_channels, out_channels, 1, conv_cfg=conv_cfg,
            norm_cfg=norm_cfg, act_cfg=None)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, higher: Tensor, lower: Tensor) -> Tensor:
        lower = resize(
            lower,
            size=higher.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners)
        lower = self.conv_lower_res(self.dwconv(lower))
        return self.relu(self.conv_higher_res(higher) + lower)


@MODELS.register_module()
class FastSCNNPaper(BaseModule):
    """Fast-SCNN backbone faithful to the paper's Table 1.

    For an input (N, 3, H, W) the outputs, chosen by ``out_indices`` from
    ``[higher (1/8), lower (1/32), fusion (1/8), quarter (1/4)]``, have
    shapes (N, 64, H/8, W/8), (N, 128, H/32, W/32), (N, 128, H/8, W/8) and
    (N, 48, H/4, W/4) at width multiplier 1; ``quarter`` is the
    learning-to-downsample's first DSConv, for a head's skip connection.

    Args:
        in_channels (int): Image channels. Default: 3.
        downsample_channels (Sequence[int]): Learning-to-downsample channels.
            Default: (32, 48, 64).
        global_block_channels (Sequence[int]): Bottleneck group channels.
            Default: (64, 96, 128).
        global_num_blocks (Sequence[int]): Bottlenecks per group.
            Default: (3, 3, 3).
        global_block_strides (Sequence[int]): Group strides. Default: (2, 2, 1).
        expand_ratio (int): Bottleneck expansion t. Default: 6.
        global_out_channels (int): Global feature extractor output. Default: 128.
        fusion_out_channels (int): Feature fusion output. Default: 128.
        pool_scales (Sequence[int]): PPM bins. Default: (1, 2, 3, 6).
        use_ppm (bool): Whether to use the pyramid pooling module. Default: True.
        fusion_dilation (int | None): Dilation of the fusion depthwise conv;
            None means the upsampling factor (4 with the default strides).
        width_multiplier (float): Scales every channel count (rounded to a
            multiple of 8). Default: 1.0.
        out_indices (Sequence[int]): Which of [higher, lower, fusion,
            quarter] to return. Default: (0, 1, 2).
        conv_cfg (dict | None): Conv config. Default: None.
        norm_cfg (dict | None): Norm config, e.g. ``dict(type='SyncBN')``.
            Default: ``dict(type='BN', requires_grad=True)``.
        downsample_norm_cfg (dict | None): Norm config of the
            learning-to-downsample layers only, e.g. ``dict(type='IBN')``
            (IBN-Net's instance normalisation of shallow features).
            Default: None (``norm_cfg``).
        act_cfg (dict | None): Activation config. Default: ``dict(type='ReLU')``.
        align_corners (bool): ``align_corners`` of the upsampling. Default: False.
        init_cfg (dict | list[dict] | None): Initialisation config. Default:
            Kaiming for convs, constant 1 for norms.
    """

    def __init__(self,
                 in_channels: int = 3,
                 downsample_channels: Sequence[int] = (32, 48, 64),
                 global_block_channels: Sequence[int] = (64, 96, 128),
                 global_num_blocks: Sequence[int] = (3, 3, 3),
                 global_block_strides: Sequence[int] = (2, 2, 1),
                 expand_ratio: int = 6,
                 global_out_channels: int = 128,
                 fusion_out_channels: int = 128,
                 pool_scales: Sequence[int] = (1, 2, 3, 6),
                 use_ppm: bool = True,
                 fusion_dilation: int = None,
                 width_multiplier: float = 1.0,
                 out_indices: Sequence[int] = (0, 1, 2),
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 downsample_norm_cfg: OptConfigType = None,
                 act_cfg: OptConfigType = None,
                 align_corners: bool = False,
                 init_cfg: OptMultiConfig = None) -> None:
        if init_cfg is None:
            init_cfg = [
                dict(type='Kaiming', layer='Conv2d'),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])
            ]
        super().__init__(init_cfg)
        if norm_cfg is None:
            norm_cfg = dict(type='BN', requires_grad=True)
        if downsample_norm_cfg is None:
            downsample_norm_cfg = norm_cfg
        if act_cfg is None:
            act_cfg = dict(type='ReLU')
        for name, value in (('downsample_channels', downsample_channels),
                            ('global_block_channels', global_block_channels),
                            ('global_num_blocks', global_num_blocks),
                            ('global_block_strides', global_block_strides)):
            if len(value) != 3:
                raise ValueError(
                    f'{name} must have 3 entries (one per stage), got {value}')
        if width_multiplier <= 0:
            raise ValueError(
                f'width_multiplier must be > 0, got {width_multiplier}')
        invalid = [i for i in out_indices if i not in (0, 1, 2, 3)]
        if invalid or not out_indices:
            raise ValueError('out_indices must pick from 0 (higher, 1/8), '
                             '1 (lower, 1/32), 2 (fusion, 1/8) and 3 '
                             '(quarter, 1/4); got '
                             f'{out_indices}')

        def scale(c: int) -> int:
            return c if width_multiplier == 1.0 else make_divisible(
                c * width_multiplier, 8)

        down_channels = [scale(c) for c in downsample_channels]
        block_channels = [scale(c) for c in global_block_channels]
        self.out_channels = (down_channels[-1], scale(global_out_channels),
                             scale(fusion_out_channels), down_channels[1])
        self.out_indices = tuple(out_indices)
        upsample_factor = 1
        for s in global_block_strides:
            upsample_factor *= s
        if fusion_dilation is None:
            fusion_dilation = upsample_factor
        self.learning_to_downsample = LearningToDownsample(
            in_channels, down_channels, conv_cfg, downsample_norm_cfg,
            act_cfg)
        self.global_feature_extractor = GlobalFeatureExtractor(
            down_channels[-1], block_channels, global_num_blocks,
            global_block_strides, expand_ratio, self.out_channels[1],
            pool_scales, use_ppm, conv_cfg, norm_cfg, act_cfg, align_corners)
        self.feature_fusion = FeatureFusionModule(
            down_channels[-1], self.out_channels[1], self.out_channels[2],
            fusion_dilation, conv_cfg, norm_cfg, act_cfg, align_corners)

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """(N, 3, H, W) -> the features picked by ``out_indices``."""
        quarter, higher = self.learning_to_downsample(x)
        lower = self.global_feature_extractor(higher)
        fusion = self.feature_fusion(higher, lower)
        outs = (higher, lower, fusion, quarter)
        return tuple(outs[i] for i in self.out_indices)
