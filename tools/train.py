"""Train a segmentor: a thin wrapper over mmengine's Runner (mmseg's flags).

    python tools/train.py configs/fastscnn_camvid.py [--work-dir DIR]
        [--resume [CKPT]] [--load-from CKPT] [--amp] [--fold SEQ]
        [--cfg-options k=v ...] [--launcher ...]
"""
import argparse
import logging
import os
import os.path as osp

import torch
from mmengine.config import Config, DictAction
from mmengine.logging import print_log

import mmseg_fastscnn  # noqa: F401  (registers the plugin)
from mmseg_fastscnn.apis import (build_runner, check_before_run,
                                 load_tool_config)
from mmseg_fastscnn.apis.resume import (latest_complete_checkpoint,
                                        make_weights_only)
from mmseg_fastscnn.engine.resume_hooks import remove_early_stop_record
from mmseg_fastscnn.utils import run_cli, set_mixed_precision


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train a segmentor')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and models')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from CKPT, or from the latest checkpoint in the work '
        'dir when no path is given')
    parser.add_argument(
        '--trust-resume',
        action='store_true',
        help='allow --resume to unpickle in full a checkpoint of this work '
        'dir that is not weights-only (plain mmengine\'s); never needed for '
        'checkpoints this plugin wrote')
    parser.add_argument(
        '--load-from',
        help='start from the weights of CKPT (the config\'s load_from); with '
        '--resume, only when the work dir has nothing to resume yet')
    parser.add_argument(
        '--amp',
        action=argparse.BooleanOptionalAction,
        default=None,
        help='mixed precision on whatever device runs: bfloat16 autocast on '
        'a CPU (BF16OptimWrapper), float16 with dynamic loss scaling on a '
        'GPU (mmengine\'s AmpOptimWrapper); --no-amp trains in float32; '
        'default: as the config says')
    parser.add_argument(
        '--fold',
        metavar='SEQ',
        help='cross-sequence fold: train on the other sequences\' train '
        'frames, validate on CamVid sequence SEQ (e.g. 0006R0) and the val '
        'split (docs/cross_sequence.md); default work dir '
        'work_dirs/<config>_fold-SEQ')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config, e.g. data_root=/data/camvid '
        'train_dataloader.batch_size=4; unknown keys are refused')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def build_cfg(args: argparse.Namespace) -> Config:
    """Config with the command line applied, checked before any work."""
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config not found: {args.config}')
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options,
                           args.work_dir, args.fold)
    if args.amp is not None:
        set_mixed_precision(cfg, args.amp, torch.cuda.is_available())
    if args.load_from is not None:
        cfg.load_from = args.load_from
    if args.trust_resume and args.resume is None:
        raise ValueError('--trust-resume only applies with --resume')
    if args.resume == 'auto':
        # the newest whole checkpoint of the work dir (not the one
        # last_checkpoint names: a kill can leave it one behind); before
        # there is one, start as the config says (a fine-tune from its
        # load_from), not at random
        latest = latest_complete_checkpoint(cfg.work_dir,
                                            trust=args.trust_resume)
        cfg.resume = latest is not None
        if latest is not None:
            cfg.load_from = latest
            print_log(f'Auto resumed from the latest complete checkpoint '
                      f'{latest}.', logger='current')
        else:
            start = cfg.get('load_from')
            print_log(f'--resume: no complete checkpoint in {cfg.work_dir}; '
                      'training from ' + (f'load_from {start}' if start
                                          else 'scratch'),
                      logger='current', level=logging.WARNING)
    elif args.resume is not None:
        if not osp.isfile(args.resume):
            raise FileNotFoundError(
                f'--resume checkpoint not found: {args.resume}')
        cfg.resume = True
        cfg.load_from = args.resume
    path = cfg.get('load_from')
    if path and '://' not in path and not osp.isfile(path):
        raise FileNotFoundError(f'load_from checkpoint not found: {path}')
    if args.trust_resume and cfg.resume and make_weights_only(
            path, cfg.work_dir):
        print_log(f'--trust-resume: {path} rewritten weights-only (the '
                  'same checkpoint, loadable by mmengine\'s loader)',
                  logger='current', level=logging.WARNING)
    return cfg


def main(argv=None) -> None:
    args = parse_args(argv)
    cfg = build_cfg(args)
    # model, data and checkpoint before the Runner makes its work dir
    check_before_run(cfg, ('train_dataloader', 'val_dataloader'),
                     cfg.get('load_from'))
    if not cfg.get('resume'):
        # a new run: an earlier run's record is not this one's, whether or
        # not this config stops early
        remove_early_stop_record(cfg.work_dir)
    runner = build_runner(cfg)
    runner.train()


if __name__ == '__main__':
    run_cli(main)
