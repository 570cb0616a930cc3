"""Publish a checkpoint: weights and dataset meta only, weights-only safe.

    python tools/publish_model.py work_dirs/fastscnn_camvid/best_mIoU_epoch_N.pth \
        checkpoints/fastscnn_camvid.pth [--drop-aux] [--trust] \
        [--meta recipe="..." trained_on="..." schedule="..."]

``--meta KEY=VALUE`` adds plain metadata (what the model was trained on and
how) to the file's ``meta``; absolute paths of this machine are left out.
"""
import argparse
import os
import os.path as osp

from mmseg_fastscnn.apis.publish import parse_meta_items, publish_checkpoint
from mmseg_fastscnn.utils import run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='training checkpoint')
    parser.add_argument('dst', help='output file')
    parser.add_argument(
        '--drop-aux',
        action='store_true',
        help='leave out auxiliary heads (unused at inference)')
    parser.add_argument(
        '--trust',
        action='store_true',
        help='SRC is your own file: load it in full even if it holds Python '
        'objects (e.g. written by plain mmengine); never for strangers\' '
        'files')
    parser.add_argument(
        '--meta',
        nargs='+',
        default=[],
        metavar='KEY=VALUE',
        help='plain metadata to add, e.g. trained_on="train+val, 468 '
        'frames"')
    args = parser.parse_args(argv)
    extra = parse_meta_items(args.meta)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    sha = publish_checkpoint(
        args.src, args.dst,
        ('auxiliary_head.', ) if args.drop_aux else (),
        extra_meta=extra, trust=args.trust)
    size = osp.getsize(args.dst) / 2**20
    print(f'wrote {args.dst} ({size:.2f} MiB, sha256 {sha[:16]}...)')


if __name__ == '__main__':
    run_cli(main)
