"""The fast training path's parts, called directly: BF16OptimWrapper,
AutocastValLoop, ChannelsLastHook, and tools/train.py --amp / --no-amp."""
import logging
from types import SimpleNamespace
from unittest import mock

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmseg_fastscnn.engine import mixed_precision
from mmseg_fastscnn.engine.channels_last import ChannelsLastHook
from mmseg_fastscnn.engine.mixed_precision import (AutocastValLoop,
                                                   BF16OptimWrapper)
from mmseg_fastscnn.utils import precision, set_mixed_precision
from mmseg_fastscnn.utils.precision import (float32_in_autocast,
                                            is_slow_bf16_depthwise)
from tests.models.base import build_segmentor
from tests.utils import CONFIG

needs_bf16 = pytest.mark.skipif(not precision.cpu_supports_bf16(),
                                reason='this CPU has no fast bfloat16')


def conv_dtypes(model: nn.Module, x: torch.Tensor) -> dict:
    """Output dtype of every conv of ``model`` on ``x``, by module name."""
    seen = {}
    hooks = [
        m.register_forward_hook(
            lambda m, i, o, name=name: seen.__setitem__(name, o.dtype))
        for name, m in model.named_modules() if isinstance(m, nn.Conv2d)
    ]
    model.backbone(x)
    for h in hooks:
        h.remove()
    return seen


def wrapper_for(model: nn.Module, **kwargs) -> BF16OptimWrapper:
    return BF16OptimWrapper(
        optimizer=torch.optim.AdamW(model.parameters(), lr=1e-3), **kwargs)


def messages(caplog) -> str:
    return '\n'.join(r.getMessage() for r in caplog.records)


@needs_bf16
def test_bf16_step_keeps_float32_state_and_slow_depthwise_convs(
        caplog_mmengine):
    """Inside the wrapper's context convs compute in bfloat16, except the
    strided / dilated depthwise ones; weights, gradients, BN statistics and
    AdamW state stay float32; the log says so."""
    model = build_segmentor().train()
    wrapper = wrapper_for(model)
    x = torch.randn(2, 3, 64, 96)
    with wrapper.optim_context(model):
        dtypes = conv_dtypes(model, x)
        loss = model.backbone(x)[-1].float().mean()
    slow = {n for n, m in model.named_modules() if is_slow_bf16_depthwise(m)}
    assert len(slow) == 5  # 3 stride-2 in the backbone, 1 dilated, + 1 s2
    assert {n for n, d in dtypes.items() if d == torch.float32} == slow
    assert set(dtypes.values()) == {torch.float32, torch.bfloat16}
    wrapper.update_params(loss)
    params = list(model.parameters())
    assert all(p.dtype == torch.float32 for p in params)
    assert all(p.grad is None or p.grad.dtype == torch.float32
               for p in params)
    bn = next(m for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    assert bn.running_mean.dtype == torch.float32
    state = wrapper.optimizer.state[params[0]]
    assert state['exp_avg'].dtype == torch.float32
    assert 'training precision: bfloat16 autocast on CPU' in messages(
        caplog_mmengine)
    # outside the context the same model runs in float32 throughout, and
    # the float32 convs are plain again: under autocast they are bfloat16
    assert set(conv_dtypes(model, x).values()) == {torch.float32}
    assert not any('forward' in vars(m) for m in model.modules())
    with torch.autocast('cpu', dtype=torch.bfloat16):
        assert set(conv_dtypes(model, x).values()) == {torch.bfloat16}


def test_float32_in_autocast_leaves_the_modules_as_they_were():
    plain = nn.Conv2d(4, 4, 3, stride=2, groups=4)
    own = nn.Conv2d(4, 4, 3, stride=2, groups=4)
    calls = []

    def own_forward(x):  # a forward someone set on the instance
        calls.append(x.dtype)
        return nn.Conv2d.forward(own, x)

    own.forward = own_forward
    x = torch.randn(1, 4, 8, 8)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        with float32_in_autocast([plain, own]):
            assert plain(x).dtype == own(x).dtype == torch.float32
        assert plain(x).dtype == own(x).dtype == torch.bfloat16
    assert 'forward' not in vars(plain) and own.forward is own_forward
    assert len(calls) == 2  # wrapped inside the block, as it was after


@pytest.mark.parametrize('capabilities, fast', [
    ({'avx512_bf16': True, 'amx_bf16': False}, True),
    ({'avx512_bf16': False, 'amx_bf16': True}, True),
    ({'avx512_bf16': False, 'amx_bf16': False, 'avx2': True}, False),
    ({'neon': True}, False),
    (None, False),  # a torch without torch.cpu.get_capabilities
])
def test_cpu_bf16_support_is_read_from_public_capabilities(
        monkeypatch, capabilities, fast):
    if capabilities is None:
        monkeypatch.delattr(torch.cpu, 'get_capabilities')
    else:
        monkeypatch.setattr(torch.cpu, 'get_capabilities',
                            lambda: capabilities)
    assert precision.cpu_supports_bf16() is fast


def test_cpu_without_bf16_trains_in_float32_and_says_so(
        caplog_mmengine, monkeypatch):
    monkeypatch.setattr(precision, 'cpu_supports_bf16', lambda: False)
    model = build_segmentor().train()
    wrapper = wrapper_for(model)
    x = torch.randn(2, 3, 64, 96)
    with wrapper.optim_context(model):
        assert set(conv_dtypes(model, x).values()) == {torch.float32}
    warnings = [r.getMessage() for r in caplog_mmengine.records
                if r.levelno == logging.WARNING]
    assert warnings == [
        'training precision: float32: this CPU has no fast bfloat16 '
        '(AVX512-BF16 or AMX on a CPU), so autocast would be slower'
    ]
    with wrapper.optim_context(model):  # decided once, said once
        pass
    assert messages(caplog_mmengine).count('training precision') == 1


def test_disabled_wrapper_is_float32_and_leaves_convs_alone(caplog_mmengine):
    model = build_segmentor().train()
    wrapper = wrapper_for(model, enabled=False)
    with wrapper.optim_context(model):
        assert set(conv_dtypes(model, torch.randn(2, 3, 64, 96)).values()) \
            == {torch.float32}
    assert all('forward' not in vars(m) for m in model.modules())
    assert 'training precision: float32 (enabled=False)' in messages(
        caplog_mmengine)
    with pytest.raises(ValueError, match='optim_wrapper.enabled must be'):
        wrapper_for(model, enabled='no')


def test_val_loop_autocasts_only_where_bf16_is_fast(monkeypatch,
                                                    caplog_mmengine):
    """The training's precision rule: bfloat16 where the device has it fast
    (a GPU too: mmengine's ``fp16=True`` would validate in float16)."""
    runner = SimpleNamespace()
    with mock.patch('mmengine.runner.ValLoop.__init__', return_value=None):
        assert AutocastValLoop(runner, {}, {}).bf16 == \
            precision.cpu_supports_bf16()
        assert AutocastValLoop(runner, {}, {}, enabled=False).bf16 is False
        with pytest.raises(ValueError,
                           match="val_cfg.enabled must be True or False"):
            AutocastValLoop(runner, {}, {}, enabled='no')
        monkeypatch.setattr(precision, 'cpu_supports_bf16',
                            lambda: False)
        loop = AutocastValLoop(runner, {}, {})
        assert loop.bf16 is False
        seen = []
        with mock.patch(
                'mmengine.runner.ValLoop.run_iter',
                lambda self, idx, batch: seen.append(
                    (torch.is_autocast_enabled('cpu'),
                     torch.get_autocast_dtype('cpu')))):
            loop.run_iter(0, {})
            loop.bf16 = True
            loop.run_iter(1, {})
        assert seen == [(False, torch.bfloat16), (True, torch.bfloat16)]
    assert 'validation precision: float32: this CPU has no fast' in messages(
        caplog_mmengine)
    # on a GPU with bfloat16, bfloat16 as in training (no GPU needed)
    monkeypatch.setattr(mixed_precision, 'get_device', lambda: 'cuda')
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: True)
    with mock.patch('mmengine.runner.ValLoop.__init__', return_value=None):
        loop = AutocastValLoop(runner, {}, {})
    assert loop.bf16 is True and loop.device_type == 'cuda'
    assert 'validation precision: bfloat16 autocast on CUDA' in messages(
        caplog_mmengine)


def test_channels_last_hook_converts_weights_in_place():
    model = build_segmentor()
    params = list(model.parameters())
    conv = model.backbone.learning_to_downsample.conv.conv
    logger = mock.Mock()
    ChannelsLastHook(enabled=False).before_run(
        SimpleNamespace(model=model, logger=logger))
    assert conv.weight.is_contiguous()
    logger.info.assert_called_with('memory format: contiguous (NCHW)')
    ChannelsLastHook().before_run(SimpleNamespace(model=model, logger=logger))
    assert conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert not conv.weight.is_contiguous()
    assert list(model.parameters()) == params  # the optimizer's references
    logger.info.assert_called_with('memory format: channels_last')
    out = model.eval().backbone(torch.randn(1, 3, 64, 96))[-1]
    assert out.is_contiguous(memory_format=torch.channels_last)
    with pytest.raises(ValueError, match='enabled must be True or False'):
        ChannelsLastHook(enabled=1)


@pytest.mark.parametrize('amp, cuda, expected', [
    (True, True, dict(type='AmpOptimWrapper', loss_scale='dynamic')),
    (True, False, dict(type='BF16OptimWrapper', enabled=True)),
    (False, False, dict(type='BF16OptimWrapper', enabled=False)),
    (False, True, dict(type='BF16OptimWrapper', enabled=False)),
])
def test_train_amp_flag_means_mixed_precision_on_any_device(
        amp, cuda, expected):
    """--amp / --no-amp: the GPU branch is mmengine's AmpOptimWrapper; the
    optimizer and clipping of the config are kept."""
    cfg = Config.fromfile(CONFIG)
    set_mixed_precision(cfg, amp, cuda)
    wrapper = cfg.optim_wrapper.to_dict()
    assert wrapper.pop('optimizer') == dict(
        type='AdamW', lr=2e-3, weight_decay=1e-4)
    assert wrapper.pop('clip_grad') == dict(max_norm=1.0, norm_type=2)
    assert wrapper == expected
