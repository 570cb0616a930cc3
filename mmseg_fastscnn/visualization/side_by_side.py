"""Input | ground truth | prediction, in the dataset palette, with a legend."""
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import mmcv
import numpy as np

from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample
from mmseg.visualization import SegLocalVisualizer
from .palette import colorize

HEADER = 22
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _text(canvas: np.ndarray, text: str, x: int, y: int,
          scale: float = 0.5) -> None:
    cv2.putText(canvas, text, (x, y), FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)


def legend_strip(classes: Sequence[str], palette: Sequence[Sequence[int]],
                 width: int, void_name: str = 'void') -> np.ndarray:
    """(h, width, 3) white strip with a colour box and the name per class."""
    names = list(classes) + ([void_name] if void_name else [])
    colours = [tuple(int(v) for v in c) for c in palette]
    colours += [(0, 0, 0)] if void_name else []
    cell = 118
    per_row = max(1, width // cell)
    rows = (len(names) + per_row - 1) // per_row
    strip = np.full((rows * 20 + 6, width, 3), 255, np.uint8)
    for i, (name, colour) in enumerate(zip(names, colours)):
        x, y = (i % per_row) * cell + 4, (i // per_row) * 20 + 4
        cv2.rectangle(strip, (x, y), (x + 14, y + 14), colour, -1)
        _text(strip, name, x + 19, y + 12, 0.42)
    return strip


def side_by_side(image: np.ndarray,
                 gt: Optional[np.ndarray],
                 pred: Optional[np.ndarray],
                 classes: Sequence[str],
                 palette: Sequence[Sequence[int]],
                 title: str = '',
                 legend: bool = True) -> np.ndarray:
    """RGB (H, W, 3) image and (H, W) label maps -> one RGB panel.

    Columns: input, ground truth (if given), prediction (if given); a header
    names them and, with ``legend``, a strip lists the classes (void black).
    """
    columns: List[np.ndarray] = [image]
    names = ['input' + (f': {title}' if title else '')]
    h, w = image.shape[:2]
    for labels, name in ((gt, 'ground truth'), (pred, 'prediction')):
        if labels is None:
            continue
        if labels.shape != (h, w):
            labels = mmcv.imresize(
                labels.astype(np.uint8), (w, h), interpolation='nearest')
        columns.append(colorize(labels, palette))
        names.append(name)
    body = np.concatenate(columns, axis=1)
    header = np.full((HEADER, body.shape[1], 3), 255, np.uint8)
    for i, name in enumerate(names):
        _text(header, name, i * w + 4, 16)
    parts = [header, body]
    if legend:
        parts.append(legend_strip(classes, palette, body.shape[1]))
    return np.concatenate(parts, axis=0)


def panel_grid(panels: Sequence[np.ndarray], classes: Sequence[str],
               palette: Sequence[Sequence[int]]) -> np.ndarray:
    """Panels of :func:`side_by_side` (made with ``legend=False``), one per
    row, padded white to the widest, above one legend strip -> RGB
    (H, W, 3)."""
    if not panels:
        raise ValueError('panel_grid needs at least one panel')
    width = max(p.shape[1] for p in panels)
    rows = [np.pad(p, ((0, 0), (0, width - p.shape[1]), (0, 0)),
                   constant_values=255) for p in panels]
    rows.append(legend_strip(classes, palette, width))
    return np.concatenate(rows, axis=0)


@VISUALIZERS.register_module()
class SideBySideSegVisualizer(SegLocalVisualizer):
    """SegLocalVisualizer that draws input | ground truth | prediction in
    the dataset palette with a legend, instead of overlays.

    Used by mmseg's SegVisualizationHook (``tools/test.py --show-dir``).
    With ``panel_dir`` (tools/test.py sets it to ``--show-dir``), each test
    image's panel is written there as ``<image stem>.png`` and titled with
    the image's file name, rather than mmengine's
    ``vis_data/vis_image/test_<file>.png_<step>.png``.

    Args:
        panel_dir (str | None): Folder for the test panels. Default: None.
        **kwargs: Passed to SegLocalVisualizer.
    """

    def __init__(self,
                 name: str = 'visualizer',
                 panel_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        self.panel_dir = panel_dir

    def add_datasample(self,
                       name: str,
                       image: np.ndarray,
                       data_sample: Optional[SegDataSample] = None,
                       draw_gt: bool = True,
                       draw_pred: bool = True,
                       show: bool = False,
                       wait_time: float = 0,
                       out_file: Optional[str] = None,
                       step: int = 0,
                       with_labels: Optional[bool] = True) -> None:
        classes = self.dataset_meta.get('classes')
        palette = self.dataset_meta.get('palette')
        if classes is None or palette is None:
            raise ValueError('the visualizer has no dataset_meta (classes '
                             'and palette): set it from the dataset')
        gt = pred = None
        if data_sample is not None:
            if draw_gt and 'gt_sem_seg' in data_sample:
                gt = data_sample.gt_sem_seg.data[0].cpu().numpy()
            if draw_pred and 'pred_sem_seg' in data_sample:
                pred = data_sample.pred_sem_seg.data[0].cpu().numpy()
        img_path = getattr(data_sample, 'img_path', None)
        title = osp.basename(img_path) if img_path else name
        if (out_file is None and self.panel_dir is not None and img_path
                and name == f'test_{title}'):
            out_file = osp.join(self.panel_dir,
                                osp.splitext(title)[0] + '.png')
        panel = side_by_side(image, gt, pred, classes, palette, title)
        if show:
            self.show(panel, win_name=title, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(panel), out_file)
        else:
            self.add_image(name, panel, step)
