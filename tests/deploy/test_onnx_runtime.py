"""ONNX export with a dynamic batch, the parity check, INT8 and the working
size inside the graph. (That an exported graph labels as PyTorch does is
checked per model in tests/models/base.py.)"""
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import MODELS

from mmseg_fastscnn.deploy import (create_session, export_onnx, onnx_parity,
                                   quantize_int8)
from tests.utils import CONFIG, SHIPPED


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
    cfg = Config.fromfile(CONFIG)
    trained = MODELS.build(cfg.model).eval()
    load_checkpoint(trained, SHIPPED, map_location='cpu')
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
