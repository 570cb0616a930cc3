"""Test (evaluate) a checkpoint: a thin wrapper over mmengine's Runner.

    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR]
        [--show] [--show-dir DIR] [--wait-time S] [--tta] [--amp]
        [--show-samples N --seed S] [--fold SEQ]
        [--cfg-options k=v ...] [--launcher ...]

Metrics are logged and written to ``test_metrics.json`` in this run's own
folder, ``<work_dir>/<timestamp>/`` beside its log (no evaluation
overwrites another's), with what was evaluated (``evaluated``: checkpoint,
split folders, image count); with ``SegReportMetric`` (the CamVid configs)
also per-class metrics and the confusion matrix (JSON and PNG) there. The
CamVid configs test on the SegNet test split (``test/``, ``testannot/``); for val:
``--cfg-options test_dataloader.dataset.data_prefix.img_path=val
test_dataloader.dataset.data_prefix.seg_map_path=valannot``.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.dist import is_main_process

import mmseg_fastscnn  # noqa: F401  (registers the plugin)
from mmseg_fastscnn.apis import (build_runner, check_before_run,
                                 load_tool_config)
from mmseg_fastscnn.datasets import missing_root_message
from mmseg_fastscnn.fileio import write_json
from mmseg_fastscnn.utils import run_cli


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test (and eval) a model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--work-dir', help='the dir to save logs and metrics')
    parser.add_argument(
        '--out',
        type=str,
        help='the dir to save the predicted label maps (PNG)')
    parser.add_argument(
        '--show', action='store_true', help='show prediction results')
    parser.add_argument(
        '--show-dir',
        help='directory where painted images will be saved, one '
        '<image stem>.png panel per test image; a relative one under '
        '<work_dir>/<timestamp>/, as in mmseg')
    parser.add_argument(
        '--wait-time', type=float, default=2, help='the interval of show (s)')
    parser.add_argument(
        '--fold',
        metavar='SEQ',
        help='evaluate as the cross-sequence fold that holds CamVid '
        'sequence SEQ out (e.g. 0006R0): on its frames and the val split, '
        'scored per sequence (docs/cross_sequence.md); default work dir '
        'work_dirs/<config>_fold-SEQ')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override settings in the config; unknown keys are refused')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='bfloat16 autocast where the device has fast bfloat16 '
        '(AutocastTestLoop; float32 with a log line elsewhere)')
    parser.add_argument(
        '--tta', action='store_true', help='test time augmentation')
    parser.add_argument(
        '--show-samples',
        type=int,
        default=0,
        metavar='N',
        help='also write one PNG panel of N random test images (input, '
        'ground truth, prediction) to samples.png in the run folder')
    parser.add_argument(
        '--seed', type=int, default=0, help='seed for --show-samples')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def trigger_visualization_hook(cfg: Config, args: argparse.Namespace) -> None:
    """Turn on mmseg's SegVisualizationHook for --show / --show-dir."""
    hooks = cfg.default_hooks
    if 'visualization' not in hooks:
        raise KeyError('--show/--show-dir need default_hooks.visualization '
                       "(dict(type='SegVisualizationHook')) in the config")
    vis = hooks['visualization']
    vis['draw'] = True
    vis['interval'] = 1
    if args.show:
        vis['show'] = True
        vis['wait_time'] = args.wait_time
    if args.show_dir:
        if cfg.visualizer.get('type') == 'SideBySideSegVisualizer':
            # <stem>.png panels there and nothing else (no vis_data/)
            cfg.visualizer['panel_dir'] = args.show_dir
        else:
            cfg.visualizer['save_dir'] = args.show_dir


def build_cfg(args: argparse.Namespace) -> Config:
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config not found: {args.config}')
    if '://' not in args.checkpoint and not osp.isfile(args.checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {args.checkpoint}')
    cfg = load_tool_config(args.config, args.launcher, args.cfg_options,
                           args.work_dir, args.fold)
    cfg.load_from = args.checkpoint
    cfg.resume = False
    if args.show or args.show_dir:
        trigger_visualization_hook(cfg, args)
    if args.amp:
        cfg.test_cfg = dict(type='AutocastTestLoop', enabled=True)
    if args.tta:
        if 'tta_model' not in cfg or 'tta_pipeline' not in cfg:
            raise KeyError('--tta needs tta_model and tta_pipeline in the '
                           'config')
        cfg.test_dataloader.dataset.pipeline = cfg.tta_pipeline
        cfg.tta_model.module = cfg.model
        cfg.model = cfg.tta_model
    if args.out is not None:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    if cfg.test_evaluator.get('type') == 'SegReportMetric':
        cfg.test_evaluator['report_dir'] = '{log_dir}'  # this run's folder
    if args.show_samples < 0:
        raise ValueError(f'--show-samples must be >= 0, got '
                         f'{args.show_samples}')
    return cfg


VAL_INSTEAD = ('test_dataloader.dataset.data_prefix.img_path=val '
               'test_dataloader.dataset.data_prefix.seg_map_path=valannot')


def split_folders(dataset_cfg) -> dict:
    """The folders a test dataset config reads, before anything is built."""
    root = dataset_cfg.get('data_root') or ''
    prefix = dataset_cfg.get('data_prefix') or {}
    folders = {key: osp.join(root, prefix[key])
               for key in ('img_path', 'seg_map_path') if key in prefix}
    info = dict(dataset=dataset_cfg.get('type'), data_root=root, **folders)
    for key in ('held_out', 'role'):
        if key in dataset_cfg:
            info[key] = dataset_cfg[key]
    return info


def check_test_split(cfg: Config) -> dict:
    """Refuse a test split whose folders are missing, naming them and the
    options that evaluate val instead (a missing data root as the dataset
    names it, as tools/train.py does)."""
    info = split_folders(cfg.test_dataloader.dataset)
    root = info['data_root']
    if root and '://' not in root and not osp.isdir(root):
        raise FileNotFoundError(missing_root_message(info['dataset'], root))
    for key in ('img_path', 'seg_map_path'):
        folder = info.get(key)
        if folder is not None and '://' not in folder and \
                not osp.isdir(folder):
            raise FileNotFoundError(
                f'test split not found: {folder} (the CamVid configs test on '
                'the SegNet test split, test/ and testannot/ under data_root)'
                f'; to evaluate val instead: --cfg-options {VAL_INSTEAD}')
    return info


def write_samples(runner, num: int, seed: int, path: str) -> str:
    """One PNG: ``num`` random test images, each input | GT | prediction."""
    import mmcv
    import numpy as np
    import torch
    from mmengine.dataset import pseudo_collate

    from mmseg_fastscnn.visualization import panel_grid, side_by_side
    dataset = runner.test_dataloader.dataset
    meta = dataset.metainfo
    rng = np.random.default_rng(seed)
    indices = sorted(
        rng.choice(len(dataset), min(num, len(dataset)), replace=False))
    panels = []
    runner.model.eval()
    for index in indices:
        with torch.no_grad():
            sample = runner.model.test_step(
                pseudo_collate([dataset[index]]))[0]
        image = mmcv.imread(sample.img_path, channel_order='rgb')
        gt = sample.gt_sem_seg.data[0].cpu().numpy() if \
            'gt_sem_seg' in sample else None
        pred = sample.pred_sem_seg.data[0].cpu().numpy()
        panels.append(
            side_by_side(image, gt, pred, meta['classes'], meta['palette'],
                         osp.basename(sample.img_path), legend=False))
    grid = panel_grid(panels, meta['classes'], meta['palette'])
    mmcv.imwrite(mmcv.rgb2bgr(grid), path)
    return path


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = build_cfg(args)
    evaluated = check_test_split(cfg)
    # model, data and checkpoint before the Runner makes its work dir
    check_before_run(cfg, ('test_dataloader', ), args.checkpoint)
    runner = build_runner(cfg)
    metrics = runner.test()
    show_dir = getattr(runner.visualizer, 'panel_dir', None)
    if args.show_dir and show_dir and is_main_process():
        runner.logger.info(
            f'{len(runner.test_dataloader.dataset)} input | ground truth | '
            f'prediction pictures written to {osp.abspath(show_dir)}')
    if not is_main_process():  # metrics are gathered on rank 0
        return metrics
    evaluated = dict(
        checkpoint=osp.abspath(args.checkpoint) if '://' not in
        args.checkpoint else args.checkpoint,
        **evaluated,
        images=len(runner.test_dataloader.dataset),
        tta=bool(args.tta))
    runner.logger.info(
        'evaluated ' + ', '.join(f'{k}={v}' for k, v in evaluated.items()))
    out = osp.join(runner.log_dir, 'test_metrics.json')
    write_json(out, dict({k: float(v) for k, v in metrics.items()},
                         evaluated=evaluated))
    runner.logger.info(f'metrics written to {out}')
    if args.show_samples:
        path = write_samples(runner, args.show_samples, args.seed,
                             osp.join(runner.log_dir, 'samples.png'))
        runner.logger.info(f'{args.show_samples} samples written to {path}')
    return metrics


if __name__ == '__main__':
    run_cli(main)
