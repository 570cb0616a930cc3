"""Whole training epochs (data loading, steps, the epoch's validation) of a
config on its fast path against the float32 path, taking turns in one run.

Logic of ``tools/analysis/benchmark_epoch.py`` (usage in its docstring).
Each turn builds mmengine's Runner from the config in a temporary work dir
and trains ``--epochs`` epochs with validation and checkpoints, as
``tools/train.py`` would; the two paths alternate, so drift on a shared
machine hits both alike. The last epoch of each turn is the steady state
(decoded frames already kept); the first is reported beside it.
"""
import argparse
import copy
import os
import os.path as osp
import statistics
import tempfile
import time
from typing import Dict, List

import torch
from mmengine.config import Config, DictAction
from mmengine.hooks import Hook

from ..apis import build_runner, load_tool_config
from ..deploy.benchmark import describe_machine
from ..fileio import write_json
from ..utils import set_mixed_precision

FAST, FLOAT32 = 'fast', 'float32'
# what the fast path changed, and what the float32 path puts back
LOADERS = {'LoadImageFromFileOnce': 'LoadImageFromFile',
           'LoadAnnotationsOnce': 'LoadAnnotations'}


def float32_path(cfg: Config) -> Config:
    """``cfg`` as it trained before the fast path: float32 (mmengine's
    ``OptimWrapper``, ``ValLoop``), contiguous NCHW, mmseg's train accuracy
    over every pixel, the logits resized before the CE, ``LovaszLoss``,
    frames decoded on every load by two loader processes per loader,
    validation one frame at a time."""
    cfg = copy.deepcopy(cfg)
    set_mixed_precision(cfg, amp=False, cuda=False)
    cfg.optim_wrapper.type = 'OptimWrapper'  # mmengine's own
    cfg.optim_wrapper.pop('enabled')
    if cfg.default_hooks.get('channels_last') is not None:
        cfg.default_hooks.channels_last.enabled = False
    if cfg.get('val_cfg') is not None:
        cfg.val_cfg = dict(type='ValLoop')
    head = cfg.model.decode_head
    head.train_acc_stride = 1
    head.fused_upsample_loss = False
    losses = head.loss_decode if isinstance(head.loss_decode, list) else [
        head.loss_decode]
    for loss in losses:
        if loss['type'] == 'LovaszSoftmaxLoss':  # mmseg's, the same loss
            loss.update(type='LovaszLoss', loss_type='multi_class',
                        per_image=False, reduction='none')
    for key in ('train_dataloader', 'val_dataloader'):
        loader = cfg.get(key)
        if loader is None:
            continue
        loader.num_workers = 2
        loader.persistent_workers = True
        if key == 'val_dataloader':
            loader.batch_size = 1
        for step in loader.dataset.get('pipeline', []):
            step['type'] = LOADERS.get(step['type'], step['type'])
    return cfg


class EpochTimer(Hook):
    """Seconds of each training epoch and of the validation after it."""
    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self.train_s: List[float] = []
        self.val_s: List[float] = []
        self._start = 0.0

    def before_train_epoch(self, runner) -> None:
        self._start = time.perf_counter()

    def after_train_epoch(self, runner) -> None:
        self.train_s.append(time.perf_counter() - self._start)

    def before_val_epoch(self, runner) -> None:
        self._start = time.perf_counter()

    def after_val_epoch(self, runner, metrics=None) -> None:
        self.val_s.append(time.perf_counter() - self._start)


def run_turn(cfg: Config, name: str) -> EpochTimer:
    """Train ``cfg`` in a temporary work dir; the epochs' times. ``name``
    (one per turn) keeps mmengine's visualizer and logger instances, which
    are global by name, from writing into an earlier turn's work dir."""
    timer = EpochTimer()
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = copy.deepcopy(cfg)
        cfg.work_dir = work_dir
        cfg.experiment_name = name
        if cfg.get('visualizer') is not None:
            cfg.visualizer.name = name
        runner = build_runner(cfg)
        runner.register_hook(timer)
        runner.train()
    return timer


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--fold', metavar='SEQ',
                        help='time the cross-sequence fold SEQ of the config')
    parser.add_argument('--epochs', type=int, default=2,
                        help='epochs per turn; the last is the steady state')
    parser.add_argument('--repeats', type=int, default=2,
                        help='turns per path')
    parser.add_argument('--threads', type=int, default=torch.get_num_threads())
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='applied to both paths (e.g. data_root=...)')
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args(argv)
    for name in ('epochs', 'repeats', 'threads'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name} must be >= 1, got '
                             f'{getattr(args, name)}')
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config not found: {args.config}')
    return args


def summarise(timers: List[EpochTimer]) -> Dict[str, float]:
    """Medians over the turns, in seconds: the last epoch's training,
    validation and both; the first epoch's both."""
    def median(values):
        return round(statistics.median(values), 2)
    last = [t.train_s[-1] + t.val_s[-1] for t in timers]
    return dict(
        train_s=median([t.train_s[-1] for t in timers]),
        val_s=median([t.val_s[-1] for t in timers]),
        epoch_s=median(last),
        first_epoch_s=median([t.train_s[0] + t.val_s[0] for t in timers]),
        turns=len(timers))


def time_paths(args: argparse.Namespace) -> Dict[str, object]:
    fast = load_tool_config(args.config, cfg_options=args.cfg_options,
                            fold=args.fold)
    fast.train_cfg.max_epochs = args.epochs
    fast.log_level = 'WARNING'
    paths = {FLOAT32: float32_path(fast), FAST: fast}
    timers: Dict[str, List[EpochTimer]] = {name: [] for name in paths}
    for turn in range(args.repeats):
        for name, cfg in paths.items():
            timers[name].append(
                run_turn(cfg, f'benchmark_epoch_{name}_{turn}_{os.getpid()}'))
    stats = {name: summarise(t) for name, t in timers.items()}
    return dict(
        machine=describe_machine(), config=args.config, fold=args.fold,
        epochs_per_turn=args.epochs, stats=stats,
        speedup=dict(
            epoch=round(stats[FLOAT32]['epoch_s'] / stats[FAST]['epoch_s'],
                        2),
            train=round(stats[FLOAT32]['train_s'] / stats[FAST]['train_s'],
                        2),
            val=round(stats[FLOAT32]['val_s'] / stats[FAST]['val_s'], 2),
            first_epoch=round(stats[FLOAT32]['first_epoch_s']
                              / stats[FAST]['first_epoch_s'], 2)))


def print_report(report: Dict[str, object]) -> None:
    m = report['machine']
    fold = f' --fold {report["fold"]}' if report['fold'] else ''
    print(f'{m["cpu"]}, {m["cores"]} cores, torch {m["torch"]}, '
          f'{m["torch_threads"]} threads; {report["config"]}{fold}, '
          f'last of {report["epochs_per_turn"]} epochs per turn')
    print(f'{"path":<8} {"train s":>8} {"val s":>7} {"epoch s":>8} '
          f'{"1st epoch s":>12}')
    for name, s in report['stats'].items():
        print(f'{name:<8} {s["train_s"]:>8.1f} {s["val_s"]:>7.1f} '
              f'{s["epoch_s"]:>8.1f} {s["first_epoch_s"]:>12.1f}')
    x = report['speedup']
    print(f'fast path: epoch {x["epoch"]:.2f}x faster (train '
          f'{x["train"]:.2f}x, val {x["val"]:.2f}x; first epoch '
          f'{x["first_epoch"]:.2f}x)')


def main(argv: List[str] = None) -> Dict[str, object]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    report = time_paths(args)
    print_report(report)
    if args.json:
        write_json(args.json, report)
        print(f'written to {args.json}')
    return report
