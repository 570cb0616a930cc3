"""What tools/train.py and tools/test.py share: the runner and the
distributed set-up they build from a config."""
from datetime import timedelta
from typing import Any, Dict, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.runner import Runner
from mmseg.registry import RUNNERS

from ..utils import apply_cfg_options, apply_fold, resolve_work_dir
from .run_log import ToolRunner


def load_tool_config(path: str,
                     launcher: str = 'none',
                     cfg_options: Optional[Dict[str, Any]] = None,
                     work_dir: Optional[str] = None,
                     fold: Optional[str] = None) -> Config:
    """The config a tool runs: ``--fold``, then ``--cfg-options`` (which may
    override the fold), the distributed set-up and the work dir."""
    cfg = Config.fromfile(path)
    cfg.launcher = launcher
    if fold is not None:
        apply_fold(cfg, fold)
    apply_cfg_options(cfg, cfg_options)
    use_gloo_without_gpu(cfg)
    resolve_work_dir(cfg, work_dir, path, fold=fold)
    return cfg


def use_gloo_without_gpu(cfg: Config) -> None:
    """Without a GPU: the gloo backend (NCCL is GPU-only; the log then says
    gloo), and for distributed runs a DDP wrapper without device ids."""
    if torch.cuda.is_available():
        return
    cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    cfg.env_cfg.dist_cfg['backend'] = 'gloo'
    if cfg.launcher != 'none':
        if cfg.get('model_wrapper_cfg') is None:
            cfg.model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                         broadcast_buffers=False)
        cfg.model_wrapper_cfg['device_ids'] = None  # CPU modules take none


def init_cpu_process_group(cfg: Config) -> None:
    """A distributed run without a GPU joins its gloo process group here.

    Why: mmengine 0.10.7's pytorch launcher calls ``torch.cuda.set_device``,
    which a CPU-only torch lacks; the Runner skips its own set-up once a
    process group exists."""
    if (cfg.get('launcher', 'none') == 'none' or torch.cuda.is_available()
            or dist.is_initialized()):
        return
    timeout = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('timeout')
    dist.init_process_group(
        backend='gloo',
        **({} if timeout is None else dict(timeout=timedelta(
            seconds=timeout))))


def build_runner(cfg: Config) -> Runner:
    """The config's ``runner_type``, else :class:`ToolRunner` (mmengine's
    Runner with a quiet console); the log file is named once it exists."""
    init_cpu_process_group(cfg)
    if 'runner_type' in cfg:
        runner = RUNNERS.build(cfg)
    else:
        runner = ToolRunner.from_cfg(cfg)
    runner.logger.info(f'environment and config: {runner.logger.log_file}')
    return runner
