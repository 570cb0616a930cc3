"""Parameters and FLOPs of Fast-SCNN per block of the paper's Table 1."""
from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer, parameter_count

from ..models.segmentors import SegmentorExportWrapper

# (module path in SegmentorExportWrapper, block, t, c, n, s) as in Table 1;
# c is read from the model, so width multipliers show.
TABLE1_ROWS: List[Tuple[str, str, str, int, int]] = [
    ('backbone.learning_to_downsample.conv', 'Conv2D', '-', 1, 2),
    ('backbone.learning_to_downsample.dsconv1', 'DSConv', '-', 1, 2),
    ('backbone.learning_to_downsample.dsconv2', 'DSConv', '-', 1, 2),
    ('backbone.global_feature_extractor.bottleneck1', 'bottleneck', '6', 3,
     2),
    ('backbone.global_feature_extractor.bottleneck2', 'bottleneck', '6', 3,
     2),
    ('backbone.global_feature_extractor.bottleneck3', 'bottleneck', '6', 3,
     1),
    ('backbone.global_feature_extractor.ppm', 'PPM', '-', 0, 0),
    ('backbone.global_feature_extractor.out', 'PPM fusion 1x1', '-', 1, 1),
    ('backbone.feature_fusion', 'FFM', '-', 0, 0),
    ('decode_head.convs', 'DSConv', '-', 2, 1),
    ('decode_head.conv_seg', 'Conv2D', '-', 1, 1),
]


def _io_shapes(model: nn.Module, x: torch.Tensor,
               names: Sequence[str]) -> Dict[str, Tuple[tuple, tuple]]:
    shapes: Dict[str, Tuple[tuple, tuple]] = {}
    modules = dict(model.named_modules())
    hooks = []
    for name in names:
        if name not in modules:
            continue

        def hook(mod, inputs, output, name=name):
            if isinstance(output, (list, tuple)):  # PPM: one map per bin
                out_shape = (output[0].shape[0],
                             f'{len(output)}x{output[0].shape[1]}')
            else:
                out_shape = tuple(output.shape)
            shapes[name] = (tuple(inputs[0].shape), out_shape)

        hooks.append(modules[name].register_forward_hook(hook))
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return shapes


def complexity_table(segmentor: nn.Module,
                     sizes: Sequence[Tuple[int, int]]) -> Tuple[List[dict],
                                                                dict]:
    """Rows of Table 1 with parameters and FLOPs per input size.

    FLOPs are fvcore's convention (one multiply-add counts as one).

    Returns:
        rows: one dict per block (name, block, t, c, n, s, params, input
            shape per size, flops per size).
        total: params (backbone + decode head) and flops per size.
    """
    wrapper = SegmentorExportWrapper(segmentor, 'cls').eval()
    params = parameter_count(wrapper)
    names = [r[0] for r in TABLE1_ROWS]
    rows = []
    per_size = {}
    for h, w in sizes:
        x = torch.zeros(1, 3, h, w)
        analyzer = FlopAnalyzer(wrapper, (x, ))
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        per_size[(h, w)] = (analyzer.by_module(), _io_shapes(wrapper, x,
                                                             names))
    for name, block, t, n, s in TABLE1_ROWS:
        if name not in params:
            continue
        row = dict(
            module=name, block=block, t=t, n=n or '-', s=s or '-',
            params=params[name])
        for (h, w), (flops, shapes) in per_size.items():
            in_shape, out_shape = shapes.get(name, ((), ()))
            row['c'] = out_shape[1] if out_shape else '-'
            row[f'input@{h}x{w}'] = 'x'.join(
                str(v) for v in (in_shape[2], in_shape[3],
                                 in_shape[1])) if in_shape else '-'
            row[f'flops@{h}x{w}'] = flops.get(name, 0)
        rows.append(row)
    total = dict(params=params['backbone'] + params['decode_head'])
    for (h, w), (flops, _) in per_size.items():
        total[f'flops@{h}x{w}'] = flops['backbone'] + flops['decode_head']
    return rows, total
