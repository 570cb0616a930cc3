"""Export a trained model to ONNX, check it against PyTorch, optionally
quantize it to INT8 and evaluate both on the val split.

    python tools/deployment/export_onnx.py configs/fastscnn_camvid.py \
        checkpoints/fastscnn_camvid.pth --out work_dirs/onnx/fastscnn.onnx \
        [--mode cls|prob] [--size 360x480] [--work-size 540x720] [--dynamic] \
        [--int8 --calib-num 64] [--eval]

The graph takes ``image``: (N, 3, H, W) float32 BGR 0..255 (as cv2 reads
it; normalisation is inside) and returns ``cls`` (N, H, W) int64 labels or
``prob`` (N, K, H, W) at that size. Inside, the network runs at the size the
config's test pipeline gives (e.g. 540x720 for a 1.5x Resize; override with
``--work-size``). The parity check prints the max logit difference and
the label agreement on val images.
"""
import argparse
import os
import os.path as osp

import mmcv
import numpy as np
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS

import mmseg_fastscnn  # noqa: F401
from mmseg_fastscnn.apis import init_model_checked
from mmseg_fastscnn.deploy import (create_session, export_onnx, onnx_parity,
                                   quantize_int8, working_size)
from mmseg_fastscnn.deploy.evaluate import evaluate_labels
from mmseg_fastscnn.utils import apply_cfg_options, parse_size, run_cli

RAW_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations')]


def to_size(image: np.ndarray, size: tuple) -> np.ndarray:
    """An (H, W, 3) image resized to the graph's fixed (h, w) if needed."""
    if image.shape[:2] == tuple(size):
        return image
    return mmcv.imresize(image, (size[1], size[0]))  # bilinear


def split_dataset(cfg, split: str):
    loader = cfg.get(f'{split}_dataloader')
    dataset_cfg = dict(loader.dataset, pipeline=RAW_PIPELINE)
    return DATASETS.build(dataset_cfg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='ONNX file to write')
    parser.add_argument('--mode', choices=['cls', 'prob'], default='cls')
    parser.add_argument('--size', type=parse_size, default=(360, 480),
                        help='input (and output) size HxW of the graph')
    parser.add_argument(
        '--work-size', type=parse_size, default=None,
        help='size HxW the network runs at (default: what the config\'s '
        'test pipeline resizes --size to)')
    parser.add_argument(
        '--dynamic', action='store_true',
        help='symbolic batch size (H and W stay fixed: see export_onnx)')
    parser.add_argument(
        '--parity-images', type=int, default=5,
        help='val images for the parity check (0: skip)')
    parser.add_argument(
        '--int8', action='store_true',
        help='also write <out>.int8.onnx (static quantization)')
    parser.add_argument(
        '--calib-num', type=int, default=64,
        help='train images to calibrate INT8 on')
    parser.add_argument(
        '--eval', action='store_true',
        help='evaluate the ONNX model(s) on the val split (mIoU)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        action=__import__('mmengine').config.DictAction)
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise FileNotFoundError(f'not found: {path}')
    if args.parity_images < 0:
        raise ValueError(
            f'--parity-images must be >= 0, got {args.parity_images}')
    if args.int8 and args.calib_num < 1:
        raise ValueError(f'--calib-num must be >= 1, got {args.calib_num}')
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    val = None  # checked before anything is written
    if args.parity_images or args.eval:
        val = split_dataset(cfg, 'val')
    if args.eval:
        shape = val[0]['img'].shape[:2]
        if shape != tuple(args.size):
            raise ValueError(
                f'--eval scores the graph against the val labels, so --size '
                f'must be the val images\' size {shape[0]}x{shape[1]}, got '
                f'{args.size[0]}x{args.size[1]} (drop --eval for this size)')
    model = init_model_checked(cfg, args.checkpoint)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    work_size = args.work_size or working_size(cfg, args.size)
    export_onnx(model, args.out, args.mode, args.size, args.dynamic,
                work_size=work_size)
    print(f'wrote {args.out} (input {args.size[0]}x{args.size[1]}, network '
          f'at {work_size[0]}x{work_size[1]})')
    results = {}
    if args.parity_images:
        # parity compares graph and PyTorch: any image will do, resized
        images = [
            to_size(val[i]['img'], args.size)
            for i in range(min(args.parity_images, len(val)))
        ]
        parity = onnx_parity(model, args.out, images, args.mode, work_size)
        print(f'parity on {len(images)} val images: max |logit diff| '
              f'{parity["max_logit_diff"]:.2e}, label agreement '
              f'{100 * parity["label_agreement"]:.4f}%')
        results['parity'] = parity
    paths = {'fp32': args.out}
    if args.int8:
        train = split_dataset(cfg, 'train')
        rng = np.random.default_rng(0)
        index = rng.choice(len(train), min(args.calib_num, len(train)),
                           replace=False)
        calib = [to_size(train[int(i)]['img'], args.size) for i in index]
        int8_path = osp.splitext(args.out)[0] + '.int8.onnx'
        quantize_int8(args.out, int8_path, calib)
        print(f'wrote {int8_path} (calibrated on {len(calib)} train images)')
        paths['int8'] = int8_path
    if args.eval:
        for name, path in paths.items():
            session = create_session(path)

            def predict(img, session=session):
                x = img.transpose(2, 0, 1)[None].astype(np.float32)
                out = session.run(None, {'image': x})[0][0]
                return out if args.mode == 'cls' else out.argmax(0)

            metrics = evaluate_labels(predict, val)
            results[name] = metrics
            print(f'{name}: val mIoU {metrics["mIoU"]:.2f}  mDice '
                  f'{metrics["mDice"]:.2f}  aAcc {metrics["aAcc"]:.2f}')
    return results


if __name__ == '__main__':
    run_cli(main)
