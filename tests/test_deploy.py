"""Deployment paths: BN folding, the fast PyTorch path, ONNX export, INT8."""
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_fastscnn.deploy import (build_fast_model, create_session,
                                   export_onnx, fold_batchnorm, onnx_parity,
                                   quantize_int8, working_size)
from mmseg_fastscnn.models import SegmentorExportWrapper

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))


@pytest.fixture(scope='module')
def model():
    """The main config's model with non-trivial BN statistics."""
    torch.manual_seed(0)
    m = MODELS.build(
        Config.fromfile(osp.join(ROOT, 'configs',
                                 'fastscnn_camvid.py')).model).eval()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.5, 0.5)
    return m


def test_fold_batchnorm_same_outputs(model):
    folded = fold_batchnorm(model)
    assert not any(
        isinstance(m, torch.nn.BatchNorm2d) for m in folded.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())
    x = torch.randn(2, 3, 96, 128)
    with torch.no_grad():
        ref = SegmentorExportWrapper(model, 'logits')(x)
        got = SegmentorExportWrapper(folded, 'logits')(x)
    torch.testing.assert_close(got, ref, atol=1e-4, rtol=1e-4)


def test_fast_path_labels_equal_plain_on_camvid(model, camvid_root):
    fast = build_fast_model(model, 'cls', with_preprocess=True)
    plain = SegmentorExportWrapper(model, 'cls', with_preprocess=True)
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:2]
    for name in names:
        bgr = mmcv.imread(osp.join(camvid_root, 'val', name))
        x = torch.from_numpy(bgr.transpose(2, 0, 1).copy())[None].float()
        with torch.no_grad():
            a, b = fast(x), plain(x)
        assert a.shape == (1, 360, 480)
        assert (a == b).float().mean() > 0.9999


def test_preprocess_inside_matches_data_preprocessor(model):
    raw = torch.rand(1, 3, 64, 96) * 255
    inside = SegmentorExportWrapper(model, 'logits', with_preprocess=True)
    outside = SegmentorExportWrapper(model, 'logits')
    normed = model.data_preprocessor(
        dict(inputs=[raw[0]], data_samples=None), False)['inputs']
    with torch.no_grad():
        torch.testing.assert_close(inside(raw), outside(normed))


def test_onnx_export_dynamic_parity_and_int8(model, tmp_path, capsys):
    pytest.importorskip('onnxruntime')
    path = export_onnx(model, str(tmp_path / 'm.onnx'), 'cls', (64, 96),
                       dynamic=True)
    # torch's exporter prints progress unless told not to; stdout carries
    # export_onnx.py's results only
    assert capsys.readouterr().out == ''
    session = create_session(path, threads=1)
    # dynamic batch; 64x96 gives a 2x3 map at 1/32: PPM bins 3 and 6 do
    # not divide it, which torch's legacy exporter refuses
    x = (np.random.default_rng(0).random((3, 3, 64, 96)) * 255).astype(
        np.float32)
    labels = session.run(None, {'image': x})[0]
    assert labels.shape == (3, 64, 96)
    images = [(np.random.default_rng(i).random((64, 96, 3)) * 255).astype(
        np.uint8) for i in range(2)]
    parity = onnx_parity(model, path, images)
    assert parity['max_logit_diff'] < 1e-3
    assert parity['label_agreement'] > 0.999
    int8 = quantize_int8(path, str(tmp_path / 'm8.onnx'), images)
    out8 = create_session(int8, 1).run(None, {'image': x})[0]
    assert out8.shape == (3, 64, 96)
    assert osp.getsize(int8) < osp.getsize(path)


def test_int8_of_the_shipped_model_keeps_its_labels(camvid_root, tmp_path):
    """The trained model, not a random one (which predicts one class
    everywhere and so agrees with anything): INT8 calibrated on train images
    must keep fp32's labels on val images it never saw."""
    pytest.importorskip('onnxruntime')
    from mmengine.runner import load_checkpoint
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'))
    trained = MODELS.build(cfg.model).eval()
    load_checkpoint(
        trained,
        osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth'),
        map_location='cpu')
    calib = [
        mmcv.imread(osp.join(camvid_root, 'train', n))
        for n in sorted(os.listdir(osp.join(camvid_root, 'train')))[:4]
    ]
    val = np.stack([
        mmcv.imread(osp.join(camvid_root, 'val', n)).transpose(2, 0, 1)
        for n in sorted(os.listdir(osp.join(camvid_root, 'val')))[::25]
    ]).astype(np.float32)
    fp32 = export_onnx(trained, str(tmp_path / 'm.onnx'), 'cls', (360, 480),
                       dynamic=True)
    int8 = quantize_int8(fp32, str(tmp_path / 'm8.onnx'), calib)
    ref = create_session(fp32, 1).run(None, {'image': val})[0]
    got = create_session(int8, 1).run(None, {'image': val})[0]
    assert len(np.unique(ref)) >= 9  # a real street-scene labelling
    assert (got == ref).mean() > 0.97
    assert osp.getsize(int8) < osp.getsize(fp32) / 2


def test_working_size_follows_the_test_pipeline():
    cfg = Config.fromfile(osp.join(ROOT, 'configs', 'fastscnn_camvid.py'))
    resize = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] == 'Resize'
    ][0]
    w, h = resize['scale']
    # keep_ratio: the long side is scaled to the longer bound, unless the
    # short side would pass the shorter one
    factor = min(max(w, h) / 480, min(w, h) / 360)
    assert working_size(cfg, (360, 480)) == (round(360 * factor),
                                             round(480 * factor))
    resize['scale'] = (600, 100)
    assert working_size(cfg, (360, 480)) == (100, 133)
    resize['keep_ratio'] = False
    assert working_size(cfg, (360, 480)) == (100, 600)
    resize.pop('scale')
    resize['scale_factor'] = 0.5
    assert working_size(cfg, (360, 480)) == (180, 240)
    cfg.test_dataloader.dataset.pipeline = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] != 'Resize'
    ]
    assert working_size(cfg, (360, 480)) == (360, 480)


@pytest.mark.parametrize('resize', [
    dict(scale=(720, 540), keep_ratio=True),
    dict(scale=(1000, 1000), keep_ratio=True),
    dict(scale=(720, 540)),
    dict(scale_factor=0.75),
    dict(scale_factor=(1.5, 2.0)),
    dict(scale_factor=(1.5, 2.0), keep_ratio=True),
])
def test_working_size_equals_what_resize_does(resize):
    from mmcv.transforms import Resize
    cfg = Config(
        dict(test_dataloader=dict(dataset=dict(
            pipeline=[dict(type='Resize', **resize)]))))
    for h, w in ((360, 480), (361, 479)):
        image = np.zeros((h, w, 3), np.uint8)
        resized = Resize(**resize)(dict(img=image))['img']
        assert working_size(cfg, (h, w)) == resized.shape[:2]


def test_work_size_runs_the_network_there_and_answers_at_input_size(model):
    x = torch.randn(2, 3, 48, 64)
    resized = torch.nn.functional.interpolate(
        x, size=(72, 96), mode='bilinear', align_corners=False)
    with torch.no_grad():
        got = SegmentorExportWrapper(model, 'logits', work_size=(72, 96))(x)
        # the network's logits for the 72x96 input (1/8 of it), brought
        # straight back to 48x64
        expected = model.decode_head.infer(
            model.decode_head(model.backbone(resized)), (48, 64), 'logits')
        plain = SegmentorExportWrapper(model, 'logits')(x)
        labels = build_fast_model(model, 'cls', work_size=(72, 96))(x)
    assert got.shape == (2, 11, 48, 64)
    torch.testing.assert_close(got, expected, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(got, plain, atol=1e-3)
    assert (labels == got.argmax(1)).float().mean() > 0.999


def test_onnx_export_with_work_size(model, tmp_path):
    pytest.importorskip('onnxruntime')
    path = export_onnx(model, str(tmp_path / 'w.onnx'), 'cls', (48, 64),
                       work_size=(72, 96))
    images = [(np.random.default_rng(i).random((48, 64, 3)) * 255).astype(
        np.uint8) for i in range(2)]
    labels = create_session(path, 1).run(
        None, {'image': images[0].transpose(2, 0, 1)[None].astype(
            np.float32)})[0]
    assert labels.shape == (1, 48, 64)
    parity = onnx_parity(model, path, images, work_size=(72, 96))
    assert parity['max_logit_diff'] < 1e-3
    assert parity['label_agreement'] > 0.999


class _LabelMaps:
    """A dataset of generated (image, label) pairs with 255 holes."""

    metainfo = dict(classes=('a', 'b', 'c'))
    ignore_index = 255

    def __init__(self, n: int = 4):
        rng = np.random.default_rng(0)
        self.items = []
        for _ in range(n):
            gt = rng.integers(0, 3, (6, 8)).astype(np.uint8)
            gt[0, :3] = 255
            self.items.append(
                dict(img=rng.integers(0, 3, (6, 8, 3)).astype(np.uint8),
                     gt_seg_map=gt))

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        return self.items[i]


def test_evaluate_labels_matches_iou_metric_and_keeps_stdout_clean(capsys):
    """The same numbers as mmseg's IoUMetric on the same predictions, and
    nothing on stdout (export_onnx.py --eval > results.txt)."""
    from mmseg.evaluation.metrics import IoUMetric

    from mmseg_fastscnn.deploy.evaluate import evaluate_labels

    data = _LabelMaps()
    predict = lambda img: img[..., 0]  # noqa: E731  (noisy labels)
    got = evaluate_labels(predict, data)
    out = capsys.readouterr()
    assert out.out == '' and '4/4' in out.err

    metric = IoUMetric(iou_metrics=['mIoU', 'mDice'])
    metric.dataset_meta = data.metainfo
    for item in data.items:
        metric.process({}, [
            dict(pred_sem_seg=dict(data=torch.from_numpy(
                item['img'][..., 0].astype(np.int64))[None]),
                 gt_sem_seg=dict(data=torch.from_numpy(
                     item['gt_seg_map'].astype(np.int64))[None]))
        ])
    want = metric.compute_metrics(metric.results)
    assert set(got) == {'aAcc', 'mIoU', 'mAcc', 'mDice'} == set(want)
    for key in want:
        assert got[key] == pytest.approx(float(want[key]))
    assert 0 < got['mIoU'] < 100


@pytest.mark.parametrize('args, message', [
    (['--parity-images', '-1'], '--parity-images must be >= 0'),
    (['--int8', '--calib-num', '0'], '--calib-num must be >= 1'),
    (['--eval', '--size', '256x256'], 'must be the val images\' size 360x480'),
])
def test_export_tool_checks_arguments_before_writing(args, message,
                                                     camvid_root, tmp_path):
    from mmseg_fastscnn.cli import export_onnx as tool
    out = tmp_path / 'out' / 'm.onnx'
    with pytest.raises(ValueError, match=message):
        tool.main([
            osp.join(ROOT, 'configs', 'fastscnn_camvid.py'),
            osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth'), '--out',
            str(out), *args, '--cfg-options', f'data_root={camvid_root}'
        ])
    assert not out.parent.exists()
