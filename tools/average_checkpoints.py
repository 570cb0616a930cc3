"""Average the weights of runs fine-tuned from one model (a model soup).

    python tools/average_checkpoints.py RUN_A/epoch_10.pth RUN_B/epoch_10.pth \
        RUN_C/epoch_10.pth --out checkpoints/soup.pth [--meta KEY=VALUE ...]

The output is a published checkpoint (weights and dataset meta, loads with
``weights_only=True``) of one network of the same size and speed; its
``meta['averaged_from']`` names each source and its SHA-256.
"""
import argparse
import os
import os.path as osp

from mmseg_fastscnn.apis.publish import parse_meta_items
from mmseg_fastscnn.apis.soup import average_checkpoints
from mmseg_fastscnn.utils import run_cli


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('srcs', nargs='+', metavar='SRC',
                        help='two or more checkpoints of one network')
    parser.add_argument('--out', required=True, help='output file')
    parser.add_argument('--meta', nargs='+', default=[], metavar='KEY=VALUE',
                        help='plain metadata to add')
    args = parser.parse_args(argv)
    extra = parse_meta_items(args.meta)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    sha = average_checkpoints(args.srcs, args.out, extra)
    size = osp.getsize(args.out) / 2**20
    print(f'wrote the mean of {len(args.srcs)} checkpoints to {args.out} '
          f'({size:.2f} MiB, sha256 {sha[:16]}...)')


if __name__ == '__main__':
    run_cli(main)
