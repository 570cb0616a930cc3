"""The configs' visualizer keeps mmseg's SegLocalVisualizer contract
(add_datasample's arguments, get_image(), MMSegInferencer's return_vis,
mmseg's own browse_dataset.py), and with ``panel_dir`` draws the panels
``tools/test.py --show-dir`` writes."""
import os
import os.path as osp
from typing import Optional

import mmcv
import mmseg
import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.registry import VISUALIZERS
from mmseg.structures import SegDataSample

from mmseg_fastscnn.datasets import CAMVID_PALETTE
from mmseg_fastscnn.visualization import (SideBySideSegVisualizer, colorize,
                                          side_by_side)
from tests.utils import (CLASSES, CONFIG, FAST, PALETTE, ROOT, SHIPPED,
                         TEST_ON_VAL, link_camvid_subset, make_split,
                         run_folder, run_tool)

H, W = 48, 64
GREY = 100


def _visualizer(tmp_path, **kwargs) -> SideBySideSegVisualizer:
    """A fresh visualizer (mmengine keeps one instance per name)."""
    vis = VISUALIZERS.build(
        dict(
            type='SideBySideSegVisualizer',
            name=f'contract_{tmp_path.name}',
            save_dir=str(tmp_path),
            vis_backends=[dict(type='LocalVisBackend')],
            **kwargs))
    vis.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    return vis


def _sample(numpy: bool = False) -> SegDataSample:
    """GT: class 0 left, class 1 right; prediction: class 2 right."""
    gt = torch.zeros((1, H, W), dtype=torch.int64)
    gt[..., W // 2:] = 1
    pred = torch.zeros_like(gt)
    pred[..., W // 2:] = 2
    sample = SegDataSample(metainfo=dict(img_path='/x/frame_001.png'))
    sample.gt_sem_seg = PixelData(data=gt)
    sample.pred_sem_seg = PixelData(data=pred)
    return sample.numpy() if numpy else sample


def _draw(vis: SideBySideSegVisualizer, sample: Optional[SegDataSample],
          **kwargs) -> np.ndarray:
    image = np.full((H, W, 3), GREY, np.uint8)
    vis.add_datasample('frame', image, sample, **kwargs)
    return vis.get_image()


def test_overlay_from_numpy_and_tensor_labels(tmp_path):
    vis = _visualizer(tmp_path)
    drawn = {
        kind: _draw(vis, _sample(kind == 'numpy'), draw_gt=False,
                    with_labels=False)
        for kind in ('numpy', 'tensor')
    }
    assert drawn['numpy'].shape == (H, W, 3)
    np.testing.assert_array_equal(drawn['numpy'], drawn['tensor'])
    # mmseg's blend: image * (1 - alpha) + palette colour * alpha
    a = vis.alpha
    grey, blue = int(GREY * (1 - a)), int(GREY * (1 - a) + PALETTE[2][2] * a)
    assert drawn['numpy'][0, -1].tolist() == [grey, grey, blue]
    # GT and prediction: both overlays side by side, to out_file
    out = str(tmp_path / 'both.png')
    vis.add_datasample('frame', np.full((H, W, 3), GREY, np.uint8),
                       _sample(numpy=True), out_file=out)
    assert mmcv.imread(out).shape == (H, 2 * W, 3)


def test_opacity_and_with_labels_change_the_overlay(tmp_path):
    vis = _visualizer(tmp_path)
    vis.alpha = 0.8  # what MMSegInferencer's opacity sets
    strong = _draw(vis, _sample(), draw_gt=False, with_labels=False)
    vis.alpha = 0.3
    weak = _draw(vis, _sample(), draw_gt=False, with_labels=False)
    named = _draw(vis, _sample(), draw_gt=False, with_labels=True)
    assert (strong != weak).any()
    assert (named != weak).any()  # the class names on the mask


def test_draw_gt_only_and_nothing_to_draw(tmp_path):
    vis = _visualizer(tmp_path)
    gt_only = _draw(vis, _sample(), draw_pred=False, with_labels=False)
    green = PALETTE[1][1]
    assert gt_only[0, -1, 1] == int(GREY * (1 - vis.alpha) + green * vis.alpha)
    # no map to draw: the image itself is the visualizer's image
    np.testing.assert_array_equal(_draw(vis, None), np.full((H, W, 3), GREY))
    np.testing.assert_array_equal(
        _draw(vis, _sample(), draw_gt=False, draw_pred=False),
        np.full((H, W, 3), GREY))
    # with no out_file the drawing goes to the vis backends
    assert os.listdir(osp.join(str(tmp_path), 'vis_data', 'vis_image'))


def test_panel_mode_reads_numpy_and_tensor_labels(tmp_path):
    panels = tmp_path / 'panels'
    vis = _visualizer(tmp_path, panel_dir=str(panels))
    image = np.full((H, W, 3), GREY, np.uint8)
    expected = side_by_side(image, _sample().gt_sem_seg.data[0].numpy(),
                            _sample().pred_sem_seg.data[0].numpy(), CLASSES,
                            PALETTE, 'frame_001.png')
    for numpy in (True, False):
        # the name SegVisualizationHook gives a test image
        vis.add_datasample('test_frame_001.png', image, _sample(numpy))
        np.testing.assert_array_equal(vis.get_image(), expected)
        written = mmcv.imread(str(panels / 'frame_001.png'),
                              channel_order='rgb')
        np.testing.assert_array_equal(written, expected)


@pytest.fixture(scope='module')
def val_frame(camvid_root) -> str:
    if not osp.isfile(SHIPPED):
        pytest.skip(f'no shipped checkpoint at {SHIPPED}')
    return osp.join(camvid_root, 'val',
                    sorted(os.listdir(osp.join(camvid_root, 'val')))[0])


def test_inferencer_return_vis_on_our_config(val_frame, tmp_path):
    from mmseg.apis import MMSegInferencer
    inferencer = MMSegInferencer(
        model=CONFIG, weights=SHIPPED, device='cpu')
    result = inferencer(
        val_frame,
        return_vis=True,
        opacity=1.0,
        with_labels=False,
        out_dir=str(tmp_path))
    frame = mmcv.imread(val_frame)
    vis = result['visualization']
    assert vis.shape == frame.shape
    # opacity 1: the prediction in the dataset palette, nothing else
    np.testing.assert_array_equal(
        vis, colorize(result['predictions'], CAMVID_PALETTE))
    written = mmcv.imread(
        str(tmp_path / 'vis' / osp.basename(val_frame)), channel_order='rgb')
    np.testing.assert_array_equal(written, vis)


def test_mmseg_browse_dataset_on_our_config(tmp_path):
    script = osp.join(
        osp.dirname(mmseg.__file__), '.mim', 'tools', 'analysis_tools',
        'browse_dataset.py')
    if not osp.isfile(script):
        pytest.skip(f"mmseg's browse_dataset.py not installed ({script})")
    root, out = tmp_path / 'camvid', tmp_path / 'browse'
    names = make_split(str(root), 'train', 2)
    run_tool(script, CONFIG, '--not-show', '--output-dir', str(out),
             '--cfg-options', f'train_dataloader.dataset.data_root={root}')
    assert sorted(os.listdir(out)) == [n + '.png' for n in names]
    for name in names:  # overlays of the augmented images, RGB
        drawn = mmcv.imread(str(out / (name + '.png')))
        assert drawn.ndim == 3 and drawn.shape[2] == 3


def test_show_dir_panels_from_tools_test(camvid_root, tmp_path):
    if not osp.isfile(SHIPPED):
        pytest.skip(f'no shipped checkpoint at {SHIPPED}')
    root = link_camvid_subset(tmp_path / 'camvid', camvid_root,
                              {'train': 1, 'val': 1})
    show = tmp_path / 'show'
    run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir',
             str(tmp_path / 'work'), '--show-dir', str(show), '--cfg-options',
             f'data_root={root}', *FAST, *TEST_ON_VAL)
    name = os.listdir(osp.join(root, 'val'))[0]
    assert os.listdir(show) == [name]  # <stem>.png, nothing else
    panel = mmcv.imread(str(show / name), channel_order='rgb')
    image = mmcv.imread(osp.join(root, 'val', name), channel_order='rgb')
    gt = mmcv.imread(osp.join(root, 'valannot', name), 'unchanged')
    h, w = gt.shape
    top = 22  # header
    assert panel.shape[1] == 3 * w and panel.shape[0] > top + h
    body = panel[top:top + h]
    np.testing.assert_array_equal(body[:, :w], image)
    np.testing.assert_array_equal(body[:, w:2 * w],
                                  colorize(gt, CAMVID_PALETTE))
    # the prediction: palette colours only (no blend with the image)
    colours = {tuple(c) for c in CAMVID_PALETTE}
    assert {tuple(c) for c in body[:, 2 * w:].reshape(-1, 3)} <= colours


def test_relative_show_dir_lands_in_the_run_folder(camvid_root, tmp_path):
    """A relative ``--show-dir`` goes under ``<work_dir>/<timestamp>/``, as
    mmseg's does, and the log says where the pictures went."""
    if not osp.isfile(SHIPPED):
        pytest.skip(f'no shipped checkpoint at {SHIPPED}')
    # (train too: mmseg's SegVisualizationHook reads runner.iter, which
    # builds the train loop)
    root = link_camvid_subset(tmp_path / 'camvid', camvid_root,
                              {'train': 1, 'val': 2})
    work = tmp_path / 'work'
    proc = run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir',
                    str(work), '--show-dir', 'vis', '--cfg-options',
                    f'data_root={root}', *FAST, *TEST_ON_VAL)
    show = osp.join(run_folder(work), 'vis')
    assert sorted(os.listdir(show)) == sorted(os.listdir(osp.join(root,
                                                                  'val')))
    assert not osp.exists(osp.join(ROOT, 'vis'))
    assert f'2 input | ground truth | prediction pictures written to {show}' \
        in proc.stdout + proc.stderr
