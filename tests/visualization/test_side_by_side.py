"""Input | ground truth | prediction panels, and the visualizer that saves
them."""
import cv2
import numpy as np
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from mmseg_fastscnn.visualization import side_by_side
from tests.utils import CLASSES, PALETTE, hand_checked_case


def test_side_by_side_colours_and_layout():
    gt, pred = (t.numpy() for t in hand_checked_case())
    image = np.full((4, 4, 3), 7, np.uint8)
    panel = side_by_side(image, gt, pred, CLASSES, PALETTE)
    top = 22  # header
    body = panel[top:top + 4]
    assert (body[:, :4] == 7).all()  # input first
    assert body[1, 4:8].tolist() == [[0, 255, 0]] * 4  # GT class 1
    assert body[1, 8:12].tolist() == [[0, 0, 255]] * 4  # predicted 2
    assert body[3, 4].tolist() == [0, 0, 0]  # ignore -> black
    assert body[2, 10].tolist() == [255, 0, 0]  # half: predicted 0
    assert panel.shape[0] > top + 4  # legend below


def test_visualizer_writes_panel(tmp_path):
    vis = VISUALIZERS.build(
        dict(
            type='SideBySideSegVisualizer',
            name='vis_test',
            save_dir=str(tmp_path),
            panel_dir=str(tmp_path),  # panels, as tools/test.py --show-dir
            vis_backends=[dict(type='LocalVisBackend')]))
    vis.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    gt, pred = hand_checked_case()
    sample = SegDataSample()
    sample.gt_sem_seg = PixelData(data=gt[None])
    sample.pred_sem_seg = PixelData(data=pred[None])
    out = str(tmp_path / 'panel.png')
    vis.add_datasample('x', np.zeros((4, 4, 3), np.uint8), sample,
                       out_file=out)
    panel = cv2.imread(out)[..., ::-1]
    assert panel[22 + 1, 9].tolist() == [0, 0, 255]
