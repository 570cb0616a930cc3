"""What a user's terminal shows on correct use: no warnings of the toolbox's
or our making, no environment or config dump, a CPU run called a CPU run."""
import glob
import os.path as osp
import sys

import torch

from tests.utils import CONFIG, SHIPPED, link_val_as_test, run_tool


def assert_quiet(output: str) -> None:
    for noise in ('Warning', 'WARNING', 'warnings.warn', 'torchvision',
                  'Config:', 'System environment', 'Hooks will be executed'):
        assert noise not in output, (noise, output[-3000:])


def test_test_tool_terminal_and_log(tmp_path, camvid_root):
    root = link_val_as_test(tmp_path / 'camvid', camvid_root, 1)
    work = tmp_path / 'work'
    proc = run_tool('tools/test.py', CONFIG, SHIPPED, '--work-dir',
                    str(work), '--cfg-options', f'data_root={root}',
                    'test_dataloader.num_workers=0',
                    'test_dataloader.persistent_workers=False')
    assert_quiet(proc.stdout + proc.stderr)
    log_file, = glob.glob(str(work / '*' / '*.log'))
    assert f'environment and config: {log_file}' in proc.stdout
    log = open(log_file).read()
    assert 'System environment' in log and 'Config:' in log
    if not torch.cuda.is_available():
        assert 'processes: 1 (CPU, no GPU)' in log
        assert 'GPU number' not in log and 'nccl' not in log
        assert "'backend': 'gloo'" in log


def warning_lines(output: str) -> set:
    """The warnings in a process's output, by message (paths and line
    numbers dropped)."""
    return {line.split('Warning: ', 1)[1].strip()
            for line in output.splitlines() if 'Warning: ' in line}


def test_mmseg_inferencer_warns_no_more_than_with_mmseg_alone(tmp_path,
                                                              camvid_root):
    """A user's own script: MMSegInferencer on our config prints no warning
    that mmseg's own FastSCNN config does not print too (the plugin filters
    nothing in the user's process, and adds no warning of its own)."""
    import mmseg
    image = sorted(glob.glob(osp.join(camvid_root, 'val', '*.png')))[0]
    stock = osp.join(osp.dirname(mmseg.__file__), '.mim', 'configs',
                     'fastscnn', 'fast_scnn_8xb4-160k_cityscapes-512x1024.py')
    outputs = {}
    for name, config, weights, imports in (
            ('ours', CONFIG, SHIPPED, 'import mmseg_fastscnn\n'),
            ('stock', stock, None, '')):
        script = (
            imports + 'from mmseg.apis import MMSegInferencer\n'
            f'inferencer = MMSegInferencer(model={config!r}, '
            f'weights={weights!r}, device="cpu")\n'
            f'inferencer({image!r}, out_dir={str(tmp_path / name)!r})\n')
        proc = run_tool('-c', script, program=sys.executable)
        outputs[name] = proc.stdout + proc.stderr
        assert glob.glob(str(tmp_path / name / 'vis' / '*.png'))
    ours = warning_lines(outputs['ours'])
    assert ours <= warning_lines(outputs['stock']), outputs['ours'][-3000:]
    for noise in ('Config:', 'System environment', 'torchvision'):
        assert noise not in outputs['ours']


def test_export_is_quiet(tmp_path):
    out = tmp_path / 'm.onnx'
    proc = run_tool('tools/deployment/export_onnx.py', CONFIG, SHIPPED,
                    '--out', str(out), '--size', '96x128',
                    '--parity-images', '2')
    assert_quiet(proc.stdout + proc.stderr)
    assert out.is_file()
