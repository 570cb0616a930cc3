"""Instance-batch normalisation of IBN-Net-a.

`Two at Once: Enhancing Learning and Generalization Capacities via IBN-Net
<https://arxiv.org/abs/1807.09441>`_ (Pan, Luo, Shi, Tang, ECCV 2018).
mmcv has IN and BN but not the two split over one layer's channels, which
IBN-Net puts in a network's shallow layers; registered as the norm type
``'IBN'`` so that any ``norm_cfg`` can name it.
"""
import torch
import torch.nn as nn
from torch import Tensor

from mmseg.registry import MODELS


@MODELS.register_module(name='IBN')
class InstanceBatchNorm2d(nn.Module):
    """IN (affine) on the first ``int(C * ratio)`` channels, BN on the rest:
    (N, C, H, W) -> (N, C, H, W).

    IN removes each frame's own contrast and colour cast from those
    channels; the BN channels keep what tells classes apart.

    Args:
        num_features (int): Channels C.
        ratio (float): Share of the channels instance-normalised, in (0, 1).
            Default: 0.5 (IBN-Net-a).
        eps (float): Both norms' epsilon. Default: 1e-5.
        momentum (float): BN's running-statistics momentum. Default: 0.1.
    """
    _abbr_ = 'ibn'

    def __init__(self,
                 num_features: int,
                 ratio: float = 0.5,
                 eps: float = 1e-5,
                 momentum: float = 0.1) -> None:
        super().__init__()
        in_channels = int(num_features * ratio)
        if not 0 < ratio < 1 or not 0 < in_channels < num_features:
            raise ValueError(
                f'IBN ratio must leave both IN and BN at least one of the '
                f'{num_features} channels, got ratio={ratio}')
        self.in_channels = in_channels
        self.IN = nn.InstanceNorm2d(in_channels, eps=eps, affine=True)
        self.BN = nn.BatchNorm2d(
            num_features - in_channels, eps=eps, momentum=momentum)

    def forward(self, x: Tensor) -> Tensor:
        first, rest = torch.split(
            x, [self.in_channels, x.shape[1] - self.in_channels], dim=1)
        out = torch.cat((self.IN(first), self.BN(rest)), dim=1)
        # IN answers in NCHW whatever its input: give back x's layout, or
        # the convs after it leave the faster channels-last kernels
        if x.is_contiguous(memory_format=torch.channels_last):
            out = out.contiguous(memory_format=torch.channels_last)
        return out
