"""tools/deployment/export_onnx.py (mmseg_fastscnn.cli.export_onnx): its
arguments are checked before anything is written. (What it writes: see
test_user_paths.py.)"""
import os.path as osp

import pytest

from tests.utils import ROOT


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
