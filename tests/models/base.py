"""What the model tests share: small builders of the paper's segmentor."""
import torch.nn as nn
from mmengine.config import ConfigDict
from mmseg.registry import MODELS

BACKBONE = dict(type='FastSCNNPaper')
HEAD = dict(
    type='FastSCNNClassifierHead',
    in_channels=128,
    channels=128,
    num_classes=11,
    norm_cfg=dict(type='BN'),
    loss_decode=dict(type='SoftmaxCrossEntropyLoss'))


def build_segmentor(num_classes=11, **backbone):
    head = dict(HEAD, num_classes=num_classes)
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size_divisor=32,
                seg_pad_val=255),
            backbone=dict(BACKBONE, **backbone),
            decode_head=head,
            test_cfg=ConfigDict(mode='whole')))


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
