"""FastSCNNPaper against the paper's Table 1, and its options."""
import pytest
import torch
import torch.nn as nn
from mmseg.models.utils import InvertedResidual
from mmseg.registry import MODELS

from mmseg_fastscnn.models import InstanceBatchNorm2d
from tests.models.base import BACKBONE, HEAD, count


def test_stage_shapes_match_table1_at_1024x2048():
    backbone = MODELS.build(BACKBONE).eval()
    x = torch.randn(1, 3, 1024, 2048)
    shapes = {}
    hooks = [
        backbone.learning_to_downsample.conv.register_forward_hook(
            lambda m, i, o: shapes.__setitem__('conv', o.shape)),
        backbone.learning_to_downsample.dsconv1.register_forward_hook(
            lambda m, i, o: shapes.__setitem__('ds1', o.shape)),
    ]
    gfe = backbone.global_feature_extractor
    for name in ('bottleneck1', 'bottleneck2', 'bottleneck3'):
        hooks.append(
            getattr(gfe, name).register_forward_hook(
                lambda m, i, o, name=name: shapes.__setitem__(name, o.shape)))
    with torch.no_grad():
        higher, lower, fusion = backbone(x)
    for h in hooks:
        h.remove()
    assert shapes['conv'] == (1, 32, 512, 1024)
    assert shapes['ds1'] == (1, 48, 256, 512)
    assert higher.shape == (1, 64, 128, 256)
    assert shapes['bottleneck1'] == (1, 64, 64, 128)
    assert shapes['bottleneck2'] == (1, 96, 32, 64)
    assert shapes['bottleneck3'] == (1, 128, 32, 64)
    assert lower.shape == (1, 128, 32, 64)  # after PPM
    assert fusion.shape == (1, 128, 128, 256)  # FFM output
    head = MODELS.build(HEAD).eval()
    with torch.no_grad():
        logits = head((higher, lower, fusion))
    assert logits.shape == (1, 11, 128, 256)


def test_bottleneck_counts_strides_and_residual_rule():
    backbone = MODELS.build(BACKBONE)
    gfe = backbone.global_feature_extractor
    expected = [(64, 2), (96, 2), (128, 1)]
    in_c = 64
    groups = (gfe.bottleneck1, gfe.bottleneck2, gfe.bottleneck3)
    for group, (out_c, stride) in zip(groups, expected):
        assert len(group) == 3
        for i, block in enumerate(group):
            assert isinstance(block, InvertedResidual)
            s = stride if i == 0 else 1
            # residual only where stride is 1 and channels match
            assert block.use_res_connect == (s == 1 and in_c == out_c)
            # expansion t = 6
            assert block.conv[0].conv.out_channels == in_c * 6
            in_c = out_c


def test_ffm_uses_dilated_depthwise_conv_and_1x1_ppm_fusion():
    backbone = MODELS.build(BACKBONE)
    dw = backbone.feature_fusion.dwconv.conv
    assert dw.groups == dw.in_channels == 128
    assert dw.dilation == (4, 4) and dw.kernel_size == (3, 3)
    ppm_out = backbone.global_feature_extractor.out.conv
    assert ppm_out.kernel_size == (1, 1)
    assert ppm_out.in_channels == 256 and ppm_out.out_channels == 128
    ppm = backbone.global_feature_extractor.ppm
    assert [m[0].output_size for m in ppm] == [1, 2, 3, 6]


def test_parameter_count_close_to_paper():
    n = count(MODELS.build(BACKBONE)) + count(MODELS.build(HEAD))
    assert 1_100_000 <= n <= 1_160_000, n


def test_mmseg_builtin_variant_is_bigger():
    """The reason this plugin exists: mmseg's FastSCNN is 1.40M."""
    theirs = count(MODELS.build(dict(type='FastSCNN'))) + count(
        MODELS.build(
            dict(
                type='DepthwiseSeparableFCNHead',
                in_channels=128,
                channels=128,
                concat_input=False,
                num_classes=11,
                in_index=-1)))
    ours = count(MODELS.build(BACKBONE)) + count(MODELS.build(HEAD))
    assert theirs > ours + 200_000


def test_options_change_the_model():
    base = count(MODELS.build(BACKBONE))
    no_ppm = MODELS.build(dict(BACKBONE, use_ppm=False))
    assert not hasattr(no_ppm.global_feature_extractor, 'ppm')
    assert count(no_ppm) < base
    half = MODELS.build(dict(BACKBONE, width_multiplier=0.5)).eval()
    assert count(half) < base / 2.5
    out = half(torch.randn(1, 3, 64, 96))
    assert [o.shape[1] for o in out] == [32, 64, 64]
    only_fusion = MODELS.build(dict(BACKBONE, out_indices=(2, ))).eval()
    assert len(only_fusion(torch.randn(1, 3, 64, 64))) == 1
    with_quarter = MODELS.build(dict(BACKBONE, out_indices=(2, 3))).eval()
    fusion, quarter = with_quarter(torch.randn(1, 3, 64, 96))
    assert quarter.shape == (1, 48, 16, 24) and fusion.shape[2:] == (8, 12)
    assert with_quarter.out_channels[3] == 48
    sync = MODELS.build(dict(BACKBONE, norm_cfg=dict(type='SyncBN')))
    assert any(isinstance(m, nn.SyncBatchNorm) for m in sync.modules())


def test_ibn_in_the_downsample_layers_ignores_a_frame_contrast():
    """With ``downsample_norm_cfg=IBN`` the five norms of the
    learning-to-downsample layers are IBN and no other; the first layer's
    IN half answers a frame and the frame at 3x contrast alike, its BN half
    (and the plain BN model) does not."""
    ibn_cfg = dict(type='IBN', ratio=0.5)
    torch.manual_seed(0)
    ibn = MODELS.build(dict(BACKBONE, downsample_norm_cfg=ibn_cfg)).eval()
    torch.manual_seed(0)
    plain = MODELS.build(BACKBONE).eval()
    ibns = [name for name, m in ibn.named_modules()
            if isinstance(m, InstanceBatchNorm2d)]
    assert len(ibns) == 5
    assert all(n.startswith('learning_to_downsample.') for n in ibns)
    assert not any(isinstance(m, nn.InstanceNorm2d)
                   for m in plain.modules())
    x = (torch.rand(2, 3, 64, 96) - 0.5) * 100
    with torch.no_grad():
        out, out3 = (ibn.learning_to_downsample.conv(v) for v in (x, 3 * x))
        ref, ref3 = (plain.learning_to_downsample.conv(v) for v in (x, 3 * x))
        assert [o.shape for o in ibn(x)] == [o.shape for o in plain(x)]
    torch.testing.assert_close(out3[:, :16], out[:, :16], atol=1e-4, rtol=0)
    assert not torch.allclose(out3[:, 16:], out[:, 16:], atol=1)
    assert not torch.allclose(ref3, ref, atol=1)


def test_ibn_gives_back_its_input_layout():
    norm = InstanceBatchNorm2d(8).train()
    x = torch.randn(2, 8, 5, 6)
    assert norm(x).is_contiguous()
    channels_last = x.to(memory_format=torch.channels_last)
    out = norm(channels_last)
    assert out.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out, norm(x))


@pytest.mark.parametrize('bad', [
    dict(out_indices=(4, )),
    dict(width_multiplier=0),
    dict(global_num_blocks=(3, 3)),
    dict(downsample_norm_cfg=dict(type='IBN', ratio=1.0)),
    dict(downsample_norm_cfg=dict(type='IBN', ratio=0.01)),
])
def test_bad_backbone_config_is_refused(bad):
    with pytest.raises(ValueError):
        MODELS.build(dict(BACKBONE, **bad))
