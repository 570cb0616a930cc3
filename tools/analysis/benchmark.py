"""Inference latency, training throughput and peak memory, against mmseg's
own Fast-SCNN measured in the same run (alternating), with ratios.

    python tools/analysis/benchmark.py configs/fastscnn_camvid.py \
        [--checkpoint checkpoints/fastscnn_camvid.pth] [--baseline mmseg] \
        [--backend torch ort ort-int8] [--threads 2] [--sizes 360x480 1024x2048] \
        [--repeats 5] [--iters 10] [--train-batch 8] [--json out.json]

Systems (batch 1, labels out):
  mmseg         mmseg's FastSCNN + DepthwiseSeparableFCNHead as mmseg ships
                it (SyncBN -> BN), called through ``predict`` like its APIs do
  ours-eager    our model, plain PyTorch (SegmentorExportWrapper, 'cls')
  ours-fast     BN folded, channels-last, argmax without softmax
  ours-fast-bf16  the same in bfloat16 autocast (where the CPU has fast
                bfloat16: AVX512-BF16 or AMX)
  ours-ort      ONNX Runtime, fp32 (thread spinning off)
  ours-ort-int8 ONNX Runtime, static INT8 (calibrated on random inputs here;
                use tools/deployment/export_onnx.py --int8 for accuracy)
Ratios are mmseg's median latency / ours (> 1: ours is faster).
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile

import numpy as np
import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

import mmseg_fastscnn  # noqa: F401
from mmseg_fastscnn.deploy import (build_fast_model, create_session,
                                   export_onnx, quantize_int8)
from mmseg_fastscnn.deploy.benchmark import (build_mmseg_fastscnn,
                                             describe_machine,
                                             measure_peak_memory, ort_fn,
                                             predict_fn, ratios,
                                             time_alternating, train_step_fn)
from mmseg_fastscnn.utils.precision import cpu_supports_bf16
from mmseg_fastscnn.fileio import write_json
from mmseg_fastscnn.models import SegmentorExportWrapper
from mmseg_fastscnn.utils import parse_size, run_cli


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--checkpoint', help='weights (default: random)')
    parser.add_argument('--baseline', choices=['mmseg', 'none'],
                        default='mmseg')
    parser.add_argument('--backend', nargs='+', default=['torch', 'ort'],
                        choices=['torch', 'ort', 'ort-int8'])
    parser.add_argument('--threads', type=int, default=os.cpu_count())
    parser.add_argument('--sizes', nargs='+', type=parse_size,
                        default=[(360, 480), (1024, 2048)])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--iters', type=int, default=10)
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--train-batch', type=int, default=8,
                        help='batch of the training step (0: skip)')
    parser.add_argument('--no-memory', action='store_true',
                        help='skip the peak-memory probes')
    parser.add_argument('--json', help='write all numbers here')
    parser.add_argument('--probe', nargs=2, metavar=('SYSTEM', 'HxW'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--onnx', help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads < 1:
        raise ValueError(f'--threads must be >= 1, got {args.threads}')
    return args


def build_ours(args):
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.checkpoint:
        from mmseg_fastscnn.apis import init_model_checked
        return init_model_checked(cfg, args.checkpoint), cfg
    return MODELS.build(cfg.model).eval(), cfg


def inference_systems(args, ours, num_classes, size, tmp):
    """name -> zero-argument callable running one batch-1 inference."""
    h, w = size
    x = torch.randn(1, 3, h, w)
    raw = (np.random.default_rng(0).random((1, 3, h, w)) * 255).astype(
        np.float32)
    systems = {}
    if args.baseline == 'mmseg':
        theirs = predict_fn(build_mmseg_fastscnn(num_classes))
        systems['mmseg'] = lambda: theirs(x)
    if 'torch' in args.backend:
        eager = SegmentorExportWrapper(ours, 'cls').eval()
        fast = build_fast_model(ours, 'cls')
        systems['ours-eager'] = lambda: eager(x)
        systems['ours-fast'] = lambda: fast(x)
        if cpu_supports_bf16():
            fast_bf16 = build_fast_model(ours, 'cls', bfloat16=True)
            systems['ours-fast-bf16'] = lambda: fast_bf16(x)
    if 'ort' in args.backend or 'ort-int8' in args.backend:
        path = osp.join(tmp, f'ours_{h}x{w}.onnx')
        export_onnx(ours, path, 'cls', size)
        if 'ort' in args.backend:
            systems['ours-ort'] = ort_fn(create_session(path, args.threads),
                                         raw)
        if 'ort-int8' in args.backend:
            calib = [(np.random.default_rng(i).random((h, w, 3)) *
                      255).astype(np.uint8) for i in range(8)]
            int8 = quantize_int8(path, osp.join(tmp, f'int8_{h}x{w}.onnx'),
                                 calib)
            systems['ours-ort-int8'] = ort_fn(
                create_session(int8, args.threads), raw)
    return systems


def probe_memory(args):
    """Child process: peak memory of one system at one size, set-up and
    imports excluded (see measure_peak_memory)."""
    name, size = args.probe[0], parse_size(args.probe[1])
    h, w = size
    x = torch.randn(1, 3, h, w)
    raw = (np.random.default_rng(0).random((1, 3, h, w)) * 255).astype(
        np.float32)
    if name == 'mmseg':
        cfg = Config.fromfile(args.config)
        init_default_scope('mmseg')
        theirs = predict_fn(
            build_mmseg_fastscnn(cfg.model.decode_head.num_classes))
        fn = lambda: theirs(x)  # noqa: E731
    elif name in ('ours-eager', 'ours-fast', 'ours-fast-bf16'):
        ours, _ = build_ours(args)
        model = SegmentorExportWrapper(ours, 'cls').eval() \
            if name == 'ours-eager' else build_fast_model(
                ours, 'cls', bfloat16=name == 'ours-fast-bf16')
        fn = lambda: model(x)  # noqa: E731
    else:
        fn = ort_fn(create_session(args.onnx, args.threads), raw)
    print(json.dumps(measure_peak_memory(fn)))


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    if args.probe:
        return probe_memory(args)
    ours, cfg = build_ours(args)
    num_classes = cfg.model.decode_head.num_classes
    report = dict(machine=describe_machine(), threads=args.threads,
                  inference={}, training={}, memory={})
    baseline = 'mmseg' if args.baseline == 'mmseg' else None
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            key = f'{size[0]}x{size[1]}'
            systems = inference_systems(args, ours, num_classes, size, tmp)
            stats = time_alternating(systems, args.warmup, args.iters,
                                     args.repeats)
            report['inference'][key] = dict(stats=stats)
            if baseline:
                report['inference'][key]['speedup_vs_mmseg'] = ratios(
                    stats, baseline)
        if not args.no_memory:
            size = args.sizes[0]
            key = f'{size[0]}x{size[1]}'
            for name in report['inference'][key]['stats']:
                cmd = [sys.executable, __file__, args.config, '--probe',
                       name, key, '--threads', str(args.threads)]
                if args.checkpoint:
                    cmd += ['--checkpoint', args.checkpoint]
                if name.startswith('ours-ort'):
                    suffix = 'int8' if name.endswith('int8') else 'ours'
                    cmd += ['--onnx', osp.join(tmp, f'{suffix}_{key}.onnx')]
                out = subprocess.run(cmd, capture_output=True, text=True,
                                     check=True).stdout.strip()
                report['memory'][name] = json.loads(out.splitlines()[-1])
    if args.train_batch:
        size = args.sizes[0]
        steps = {'ours': train_step_fn(ours, args.train_batch, size,
                                       num_classes)}
        if baseline:
            steps['mmseg'] = train_step_fn(
                build_mmseg_fastscnn(num_classes), args.train_batch, size,
                num_classes)
        stats = time_alternating(steps, 1, 2, max(2, args.repeats // 2),
                                 inference=False)
        for s in stats.values():
            s['images_per_s'] = round(
                args.train_batch * 1000.0 / s['median_ms'], 2)
        report['training'] = dict(
            batch=args.train_batch, size=f'{size[0]}x{size[1]}',
            stats=stats)
        if baseline:
            report['training']['speedup_vs_mmseg'] = ratios(stats, 'mmseg')
    print_report(report)
    if args.json:
        write_json(args.json, report)
        print(f'written to {args.json}')
    return report


def print_report(report):
    m = report['machine']
    print(f'\n{m["cpu"]}, {m["cores"]} cores, torch {m["torch"]}, '
          f'{report["threads"]} threads')
    for size, block in report['inference'].items():
        print(f'\ninference, batch 1, {size}, labels out')
        print(f'{"system":<15}{"median ms":>11}{"p90 ms":>9}{"fps":>8}'
              f'{"x mmseg":>9}')
        for name, s in block['stats'].items():
            ratio = block.get('speedup_vs_mmseg', {}).get(name, '')
            print(f'{name:<15}{s["median_ms"]:>11.2f}{s["p90_ms"]:>9.2f}'
                  f'{s["fps"]:>8.1f}{ratio:>9}')
    if report['training']:
        t = report['training']
        print(f'\ntraining step, batch {t["batch"]}, {t["size"]}')
        for name, s in t['stats'].items():
            ratio = t.get('speedup_vs_mmseg', {}).get(name, '')
            print(f'{name:<15}{s["median_ms"]:>11.1f} ms '
                  f'{s["images_per_s"]:>7.2f} img/s {ratio:>7}')
    if report['memory']:
        print('\npeak memory during inference at the first size (MiB; '
              'rise above the resident set before it)')
        for name, mem in report['memory'].items():
            print(f'{name:<15}{mem["peak_mb"]:>9.0f}{mem["rise_mb"]:>9.1f}')


if __name__ == '__main__':
    run_cli(main)
