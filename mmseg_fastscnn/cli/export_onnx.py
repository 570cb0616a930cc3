"""Export a trained model to ONNX, check it against PyTorch, optionally
quantize it to INT8 and evaluate both on the val split.

Logic of ``tools/deployment/export_onnx.py`` (usage in its docstring).
"""
import argparse
import os
import os.path as osp

import mmcv
import numpy as np
from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope
from mmseg.apis import inference_model
from mmseg.registry import DATASETS

from ..apis import init_model_checked
from ..deploy import (create_session, export_onnx, label_agreement,
                      onnx_parity, quantize_int8, working_size,
                      write_metadata)
from ..deploy.evaluate import evaluate_labels
from ..fileio import atomic_path
from ..utils import apply_cfg_options, parse_size
from ..version import __version__

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


def folder_images(folder: str, num: int) -> list:
    """The first ``num`` images of ``folder`` (BGR, as cv2 reads them)."""
    if not osp.isdir(folder):
        raise FileNotFoundError(f'--image-dir not found: {folder}')
    names = sorted(f for f in os.listdir(folder)
                   if f.lower().endswith(('.png', '.jpg', '.jpeg', '.bmp')))
    if not names:
        raise ValueError(f'--image-dir {folder} holds no images')
    images = []
    for name in names[:num]:
        image = mmcv.imread(osp.join(folder, name))
        if image is None:
            raise ValueError(f'cannot read image {osp.join(folder, name)}')
        images.append(image)
    return images


def generated_images(num: int, size: tuple) -> list:
    """Smooth random colour fields (H, W, 3) uint8, so that the parity
    check runs without any data on the machine."""
    rng = np.random.default_rng(0)
    h, w = size
    return [
        mmcv.imresize(rng.integers(0, 256, (6, 8, 3), dtype=np.uint8),
                      (w, h), interpolation='bicubic') for _ in range(num)
    ]


def graph_metadata(cfg, model, args, work_size) -> dict:
    """What a deployer needs to feed the graph and read its output."""
    pre = cfg.model.data_preprocessor
    return {
        'producer': f'mmseg-fastscnn {__version__}',
        'checkpoint': osp.basename(args.checkpoint),
        'classes': list(model.dataset_meta['classes']),
        'palette': [list(c) for c in model.dataset_meta['palette']],
        'input_name': 'image',
        'input_layout': 'NCHW',
        'input_dtype': 'float32',
        'input_channel_order': 'BGR',
        'input_value_range': [0, 255],
        'input_size_hw': list(args.size),
        'work_size_hw': list(work_size),
        'normalisation': 'inside the graph: (RGB - mean) / std',
        'mean_rgb': list(pre.mean),
        'std_rgb': list(pre.std),
        'output_name': args.mode,
        'output': ('(N, H, W) int64 class index' if args.mode == 'cls' else
                   '(N, K, H, W) float32 softmax probabilities'),
    }


def images_for(args, cfg, split: str, num: int):
    """(images at --size, where they came from): --image-dir, else the
    config's ``split``, else generated where allowed (parity)."""
    if args.image_dir:
        images, where = folder_images(args.image_dir, num), args.image_dir
    else:
        try:
            dataset = split_dataset(cfg, split)
        except (FileNotFoundError, ValueError) as error:
            if split == 'train':
                raise FileNotFoundError(
                    f'--int8 calibrates on the {split} split, which cannot '
                    f'be read ({error}); give --image-dir DIR (frames like '
                    'those the model will see)') from None
            return generated_images(num, args.size), (
                f'generated images (no {split} split: {error}; '
                '--image-dir DIR to use frames of yours)')
        if split == 'train':
            rng = np.random.default_rng(0)
            index = rng.choice(len(dataset), min(num, len(dataset)),
                               replace=False)
        else:
            index = range(min(num, len(dataset)))
        images = [dataset[int(i)]['img'] for i in index]
        where = f'{split} images'
    return [to_size(image, args.size) for image in images], where


def parse_args(argv=None) -> argparse.Namespace:
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
        help='images for the parity check (0: skip)')
    parser.add_argument(
        '--image-dir', default=None,
        help='images for the parity check and INT8 calibration (default: '
        'the val and train splits; parity falls back to generated images)')
    parser.add_argument(
        '--int8', action='store_true',
        help='also write <out>.int8.onnx (static quantization)')
    parser.add_argument(
        '--calib-num', type=int, default=64,
        help='images to calibrate INT8 on (train split or --image-dir)')
    parser.add_argument(
        '--eval', action='store_true',
        help='evaluate the ONNX model(s) on the val split (mIoU)')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        action=DictAction)
    args = parser.parse_args(argv)
    for path in (args.config, args.checkpoint):
        if not osp.isfile(path):
            raise FileNotFoundError(f'not found: {path}')
    if args.parity_images < 0:
        raise ValueError(
            f'--parity-images must be >= 0, got {args.parity_images}')
    if args.int8 and args.calib_num < 1:
        raise ValueError(f'--calib-num must be >= 1, got {args.calib_num}')
    return args


def eval_split(args, cfg):
    """The val split --eval scores on (None without --eval), checked
    before anything is written."""
    if not args.eval:
        return None
    val = split_dataset(cfg, 'val')
    shape = val[0]['img'].shape[:2]
    if shape != tuple(args.size):
        raise ValueError(
            f'--eval scores the graph against the val labels, so --size '
            f'must be the val images\' size {shape[0]}x{shape[1]}, got '
            f'{args.size[0]}x{args.size[1]} (drop --eval for this size)')
    return val


def write_graphs(args, cfg, model, calib) -> dict:
    """Write the fp32 graph (and with --int8 the INT8 one), each whole or
    not at all; their paths by name."""
    work_size = args.work_size or working_size(cfg, args.size)
    metadata = graph_metadata(cfg, model, args, work_size)
    replaced = osp.exists(args.out)
    with atomic_path(args.out) as tmp:  # whole graphs only, even if killed
        export_onnx(model, tmp, args.mode, args.size, args.dynamic,
                    work_size=work_size)
        write_metadata(tmp, metadata)
    print(f'wrote {args.out} (input {args.size[0]}x{args.size[1]} BGR, '
          f'network at {work_size[0]}x{work_size[1]})' +
          ('; replaced the file that was there' if replaced else ''))
    paths = {'fp32': args.out}
    if calib is not None:
        images, where = calib
        int8_path = osp.splitext(args.out)[0] + '.int8.onnx'
        with atomic_path(int8_path) as tmp:
            quantize_int8(args.out, tmp, images)
            write_metadata(tmp, dict(metadata, quantization='int8 QDQ'))
        print(f'wrote {int8_path} (calibrated on {len(images)} {where})')
        paths['int8'] = int8_path
    return paths


def check_parity(args, cfg, model, paths: dict, parity) -> dict:
    """The fp32 graph against the PyTorch graph, and every graph's labels
    against what tools/infer.py writes (mmseg's inference_model)."""
    images, where = parity
    work_size = args.work_size or working_size(cfg, args.size)
    result = onnx_parity(model, args.out, images, args.mode, work_size)
    expected = [inference_model(model, image).pred_sem_seg.data[0].numpy()
                for image in images]
    result['infer_agreement'] = {
        name: label_agreement(path, images, expected, args.mode)
        for name, path in paths.items()
    }
    agreement = ', '.join(f'{name} {100 * value:.4f}%' for name, value
                          in result['infer_agreement'].items())
    print(f'parity on {len(images)} {where}: label agreement with '
          f'tools/infer.py {agreement}; fp32 max |logit diff| vs the '
          f'PyTorch graph {result["max_logit_diff"]:.2e}')
    return result


def evaluate_graphs(args, paths: dict, val) -> dict:
    """val mIoU, mDice and aAcc of each graph."""
    results = {}
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


def main(argv=None) -> dict:
    args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    apply_cfg_options(cfg, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    # every input is read before anything is written
    val = eval_split(args, cfg)
    parity = (images_for(args, cfg, 'val', args.parity_images)
              if args.parity_images else None)
    calib = (images_for(args, cfg, 'train', args.calib_num)
             if args.int8 else None)
    model = init_model_checked(cfg, args.checkpoint)
    paths = write_graphs(args, cfg, model, calib)
    results = {}
    if parity is not None:
        results['parity'] = check_parity(args, cfg, model, paths, parity)
    if val is not None:
        results.update(evaluate_graphs(args, paths, val))
    return results
