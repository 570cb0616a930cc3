"""Parameters and FLOPs per block, shaped like Table 1 of the Fast-SCNN paper.

Logic of ``tools/analysis/complexity.py`` (usage in its docstring).
"""
import argparse

from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS

from ..analysis import complexity_table
from ..deploy import working_size
from ..fileio import write_json
from ..utils import parse_size


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument(
        '--sizes', nargs='+', type=parse_size,
        default=None, help='input sizes HxW (default: 360x480, the '
        'deployed size and 1024x2048)')
    parser.add_argument('--json', help='also write the table as JSON')
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    if args.sizes is None:
        deployed = working_size(cfg, (360, 480))
        args.sizes = list(dict.fromkeys([(360, 480), deployed, (1024, 2048)]))
    model = MODELS.build(cfg.model).eval()
    rows, total = complexity_table(model, args.sizes)
    sizes = [f'{h}x{w}' for h, w in args.sizes]
    header = (f'{"input @" + sizes[-1]:<16} {"block":<15} {"t":>2} '
              f'{"c":>4} {"n":>2} {"s":>2} {"params":>10}' + ''.join(
                  f' {"GFLOPs@" + s:>17}' for s in sizes))
    print(header)
    print('-' * len(header))
    for r in rows:
        print(f'{r["input@" + sizes[-1]]:<16} {r["block"]:<15} {r["t"]:>2} '
              f'{r["c"]:>4} {r["n"]:>2} {r["s"]:>2} {r["params"]:>10,}' +
              ''.join(f' {r["flops@" + s] / 1e9:>17.3f}' for s in sizes))
    print('-' * len(header))
    print(f'{"total (backbone + classifier)":<45} {total["params"]:>10,}' +
          ''.join(f' {total["flops@" + s] / 1e9:>17.3f}' for s in sizes))
    print('FLOPs count one multiply-add as one (fvcore/mmengine convention).')
    if args.json:
        write_json(args.json, dict(rows=rows, total=total))
    return rows, total
