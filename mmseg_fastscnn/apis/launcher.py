"""What tools/train.py and tools/test.py share: the runner and the
distributed set-up they build from a config."""
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

from ..engine import WeightsOnlyRunner


def use_gloo_without_gpu(cfg: Config) -> None:
    """Distributed runs on CPUs need gloo (NCCL is GPU-only) and a DDP
    wrapper without device ids."""
    if cfg.launcher != 'none' and not torch.cuda.is_available():
        cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
        cfg.env_cfg.dist_cfg['backend'] = 'gloo'
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(
                type='MMDistributedDataParallel',
                device_ids=None,
                broadcast_buffers=False)


def build_runner(cfg: Config) -> Runner:
    """The config's ``runner_type``, else :class:`WeightsOnlyRunner`."""
    if 'runner_type' in cfg:
        return RUNNERS.build(cfg)
    return WeightsOnlyRunner.from_cfg(cfg)
