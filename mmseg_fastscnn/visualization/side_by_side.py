"""Input | ground truth | prediction, in the dataset palette, with a legend."""
import os.path as osp
from typing import List, Optional, Sequence

import cv2
import mmcv
import numpy as np
from mmengine.dist import master_only
from mmengine.structures import PixelData

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


def _label_map(pixel_data: PixelData) -> np.ndarray:
    """(1, H, W) labels, tensor or numpy, on any device -> (H, W) numpy."""
    return np.asarray(pixel_data.numpy().data)[0]


def _draws_anything(data_sample: Optional[SegDataSample], draw_gt: bool,
                    draw_pred: bool) -> bool:
    """Whether SegLocalVisualizer.add_datasample has a map to draw."""
    if data_sample is None:
        return False
    keys = [f'{kind}_{field}' for kind, wanted in (('gt', draw_gt),
                                                   ('pred', draw_pred))
            if wanted for field in ('sem_seg', 'depth_map')]
    return any(key in data_sample for key in keys)


@VISUALIZERS.register_module()
class SideBySideSegVisualizer(SegLocalVisualizer):
    """SegLocalVisualizer that draws input | ground truth | prediction panels
    for ``tools/test.py --show-dir``.

    Without ``panel_dir`` it is mmseg's SegLocalVisualizer: ``add_datasample``
    blends the label maps (numpy or tensor) over the image with ``alpha``
    (MMSegInferencer's ``opacity``), names the classes with ``with_labels``
    and sets the drawn image (``get_image()``), so MMSegInferencer, mmseg's
    ``browse_dataset.py`` and SegVisualizationHook work as with mmseg's own.

    With ``panel_dir`` (tools/test.py sets it to ``--show-dir``),
    ``add_datasample`` draws :meth:`draw_panel` instead (dataset palette,
    legend; ``alpha`` and ``with_labels`` do not apply), and each test
    image's panel is written there as ``<image stem>.png``, titled with the
    image's file name, rather than mmengine's
    ``vis_data/vis_image/test_<file>.png_<step>.png``. (``tools/test.py
    --show`` without ``--show-dir`` shows mmseg's overlays.)

    Args:
        name (str): Name of the instance. Default: 'visualizer'.
        panel_dir (str | None): Folder for the test panels, a relative one
            under ``save_dir`` (the Runner's ``<work_dir>/<timestamp>``, as
            mmseg's ``--show-dir``); None draws SegLocalVisualizer's
            overlays. Default: None.
        **kwargs: Passed to SegLocalVisualizer (``vis_backends``,
            ``save_dir``, ``classes``, ``palette``, ``alpha``, ...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 panel_dir: Optional[str] = None,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if panel_dir is not None and not isinstance(panel_dir, str):
            raise TypeError(f'panel_dir must be a folder path (str) or None, '
                            f'got {type(panel_dir).__name__}')
        save_dir = kwargs.get('save_dir')
        if panel_dir is not None and save_dir and not osp.isabs(panel_dir):
            panel_dir = osp.join(save_dir, panel_dir)
        self.panel_dir = panel_dir

    def draw_panel(self,
                   image: np.ndarray,
                   data_sample: Optional[SegDataSample] = None,
                   draw_gt: bool = True,
                   draw_pred: bool = True,
                   title: str = '') -> np.ndarray:
        """RGB (H, W, 3) image and its sample -> the :func:`side_by_side`
        panel in ``dataset_meta``'s palette, also set as the visualizer's
        image (``get_image()``)."""
        classes = self.dataset_meta.get('classes')
        palette = self.dataset_meta.get('palette')
        if classes is None or palette is None:
            raise ValueError('the visualizer has no dataset_meta (classes '
                             'and palette): set it from the dataset')
        gt = pred = None
        if data_sample is not None:
            if draw_gt and 'gt_sem_seg' in data_sample:
                gt = _label_map(data_sample.gt_sem_seg)
            if draw_pred and 'pred_sem_seg' in data_sample:
                pred = _label_map(data_sample.pred_sem_seg)
        panel = side_by_side(image, gt, pred, classes, palette, title)
        self.set_image(panel)
        return panel

    @master_only
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
        """Draw a sample, then show it, write it to ``out_file`` or add it to
        the backends; arguments as SegLocalVisualizer.add_datasample. With
        nothing to draw, the image itself."""
        # a transposed tensor's view (mmseg's browse_dataset.py passes one)
        # breaks OpenCV's drawing of the class names
        image = np.ascontiguousarray(image)
        win_name = name
        if self.panel_dir is None:
            if _draws_anything(data_sample, draw_gt, draw_pred):
                super().add_datasample(name, image, data_sample, draw_gt,
                                       draw_pred, show, wait_time, out_file,
                                       step, with_labels)
                return
            self.set_image(image)
            drawn = image
        else:
            img_path = getattr(data_sample, 'img_path', None)
            win_name = osp.basename(img_path) if img_path else name
            if (out_file is None and img_path
                    and name == f'test_{win_name}'):
                out_file = osp.join(self.panel_dir,
                                    osp.splitext(win_name)[0] + '.png')
            drawn = self.draw_panel(image, data_sample, draw_gt, draw_pred,
                                    win_name)
        if show:
            self.show(drawn, win_name=win_name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(mmcv.rgb2bgr(drawn), out_file)
        else:
            self.add_image(name, drawn, step)
