"""Which precision a device and a module compute fast: bfloat16 autocast
only where the hardware has it (elsewhere it is emulated, slower than
float32), and float32 for the layers whose bfloat16 kernels are slow."""
import functools
import logging
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

import torch
import torch.nn as nn
from mmengine.logging import print_log


def cpu_supports_bf16() -> bool:
    """Whether this CPU computes bfloat16 natively (AVX512-BF16 or AMX);
    elsewhere oneDNN emulates it, slower than float32. A torch without the
    public ``torch.cpu.get_capabilities`` reads as no (float32)."""
    get_capabilities = getattr(torch.cpu, 'get_capabilities', None)
    if get_capabilities is None:
        return False
    capabilities = get_capabilities()
    return bool(capabilities.get('avx512_bf16')
                or capabilities.get('amx_bf16'))


def device_supports_bf16(device_type: str) -> bool:
    """Whether bfloat16 autocast is fast on ``device_type`` ('cpu', 'cuda')."""
    if device_type == 'cpu':
        return cpu_supports_bf16()
    if device_type == 'cuda':
        return torch.cuda.is_bf16_supported()
    return False


def autocast_or_log(enabled: bool, device_type: str, what: str) -> bool:
    """``enabled`` where ``device_type`` has fast bfloat16; logs which
    precision ``what`` (e.g. 'training') runs in, and why float32."""
    if not enabled:
        message, level = 'float32 (enabled=False)', logging.INFO
    elif not device_supports_bf16(device_type):
        enabled, level = False, logging.WARNING
        message = (f'float32: this {device_type.upper()} has no fast '
                   'bfloat16 (AVX512-BF16 or AMX on a CPU), so autocast '
                   'would be slower')
    else:
        message, level = f'bfloat16 autocast on {device_type.upper()}', \
            logging.INFO
    print_log(f'{what} precision: {message}', logger='current', level=level)
    return enabled


def is_slow_bf16_depthwise(module: nn.Module) -> bool:
    """A depthwise conv with stride or dilation > 1: oneDNN's bfloat16
    backward for it is 2-20x slower than its float32 one (the whole epoch,
    with this policy: ``tools/analysis/benchmark_epoch.py``)."""
    return (isinstance(module, nn.Conv2d) and module.groups > 1
            and module.groups == module.in_channels
            and (max(module.stride) > 1 or max(module.dilation) > 1))


def _float32_forward(forward: Callable[[torch.Tensor], torch.Tensor],
                     x: torch.Tensor) -> torch.Tensor:
    device_type = x.device.type
    if not torch.is_autocast_enabled(device_type):
        return forward(x)
    with torch.autocast(device_type, enabled=False):
        return forward(x.float())


@contextmanager
def float32_in_autocast(modules: Iterable[nn.Module]) -> Iterator[None]:
    """Inside the block, ``modules`` compute in float32 within an autocast
    region (their input cast up; outside autocast they run as before); on
    leaving it they are as they were."""
    modules = list(modules)
    # a forward set on the instance by someone else is wrapped and restored
    saved = [module.__dict__.get('forward') for module in modules]
    for module, own in zip(modules, saved):
        forward = own or type(module).forward.__get__(module)
        module.forward = functools.partial(_float32_forward, forward)
    try:
        yield
    finally:
        for module, own in zip(modules, saved):
            if own is None:
                del module.forward
            else:
                module.forward = own
