"""Training-step time of several configs, measured in one run, as ratios to
the first.

Logic of ``tools/analysis/benchmark_train.py`` (usage in its docstring).
Each config's model, with its losses and auxiliary heads, takes full steps
(forward, losses, backward, AdamW) on one fixed random batch; the configs
take turns (``time_alternating``), so drift on a shared machine hits all of
them alike. The data pipeline is left out: it is the same for every config
that changes only the model or the loss.
"""
import argparse
import os
import os.path as osp
from typing import Dict, List

import torch
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from ..deploy.benchmark import (describe_machine, time_alternating,
                                train_step_fn)
from ..fileio import write_json
from ..utils import apply_cfg_options, parse_size


def config_name(path: str) -> str:
    return osp.splitext(osp.basename(path))[0]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='+',
                        help='configs to time; the first is the baseline')
    parser.add_argument('--batch', type=int, default=8)
    parser.add_argument('--size', type=parse_size, default=(360, 480),
                        help='training crop HxW (default: 360x480)')
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--iters', type=int, default=2,
                        help='steps per config per round')
    parser.add_argument('--repeats', type=int, default=5, help='rounds')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='applied to every config')
    parser.add_argument('--json', help='also write the numbers here')
    args = parser.parse_args(argv)
    for name in ('batch', 'threads', 'iters', 'repeats'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name} must be >= 1, got '
                             f'{getattr(args, name)}')
    names = set()
    for path in args.configs:
        if not osp.isfile(path):
            raise FileNotFoundError(f'config not found: {path}')
        if config_name(path) in names:
            raise ValueError(
                f'{path}: a config named {config_name(path)} is given twice')
        names.add(config_name(path))
    return args


def time_configs(args: argparse.Namespace) -> Dict[str, object]:
    """Median step time per config (ms) and its ratio to the first's."""
    steps = {}
    for path in args.configs:
        cfg = apply_cfg_options(Config.fromfile(path), args.cfg_options)
        init_default_scope(cfg.get('default_scope', 'mmseg'))
        model = MODELS.build(cfg.model)
        steps[config_name(path)] = train_step_fn(
            model, args.batch, args.size, cfg.model.decode_head.num_classes)
    stats = time_alternating(steps, args.warmup, args.iters, args.repeats,
                             inference=False)
    baseline = stats[config_name(args.configs[0])]['median_ms']
    for s in stats.values():
        s['relative_to_first'] = round(s['median_ms'] / baseline, 3)
    return dict(machine=describe_machine(), batch=args.batch,
                size=f'{args.size[0]}x{args.size[1]}',
                baseline=config_name(args.configs[0]),
                configs=dict(zip(steps, args.configs)), stats=stats)


def print_report(report: Dict[str, object]) -> None:
    m = report['machine']
    print(f'{m["cpu"]}, {m["cores"]} cores, torch {m["torch"]}, '
          f'{m["torch_threads"]} threads; training step, batch '
          f'{report["batch"]}, {report["size"]}')
    width = max(len(name) for name in report['stats'])
    print(f'{"config":<{width}} {"median ms":>10} {"p90 ms":>9} '
          f'{"x " + report["baseline"]:>10}')
    for name, s in report['stats'].items():
        print(f'{name:<{width}} {s["median_ms"]:>10.1f} {s["p90_ms"]:>9.1f} '
              f'{s["relative_to_first"]:>10.3f}')


def main(argv: List[str] = None) -> Dict[str, object]:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    report = time_configs(args)
    print_report(report)
    if args.json:
        write_json(args.json, report)
        print(f'written to {args.json}')
    return report
