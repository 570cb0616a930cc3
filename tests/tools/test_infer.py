"""tools/infer.py (mmseg_fastscnn.cli.infer): images, folders, videos,
unreadable files and a full disk."""
import os
import os.path as osp
import re

import cv2
import numpy as np
import pytest
from PIL import Image

from mmseg_fastscnn.cli import infer as infer_tool
from tests.utils import CONFIG, SHIPPED


def test_infer_tool_on_camvid_folder(camvid_root, random_checkpoint,
                                     tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:3]
    for name in names:
        os.symlink(osp.join(camvid_root, 'val', name), folder / name)
    out = tmp_path / 'out'
    tool = infer_tool
    assert tool.main([CONFIG, random_checkpoint, str(folder), '--out-dir',
                      str(out), '--mode', 'prob']) == 3
    assert sorted(os.listdir(out / 'overlay')) == names
    assert sorted(os.listdir(out / 'labels')) == names
    labels = np.asarray(Image.open(out / 'labels' / names[0]))
    probs = np.load(out / 'prob' / (names[0][:-4] + '.npy'))
    assert labels.shape == (360, 480) and probs.shape == (11, 360, 480)
    assert (probs.argmax(0) == labels).mean() > 0.999
    np.testing.assert_allclose(probs.sum(0), 1.0, atol=1e-2)
    # inputs that share a stem keep apart
    assert tool.output_names(['d/x.png', 'd/x.jpg', 'd/y.png']) == [
        'x_png', 'x_jpg', 'y'
    ]


def test_infer_tool_runs_at_the_test_size_or_as_cfg_options_say(
        camvid_root, random_checkpoint, tmp_path, monkeypatch):
    tool = infer_tool
    seen = []
    build = tool.init_model_checked

    def spied(*args, **kwargs):
        model = build(*args, **kwargs)
        model.backbone.register_forward_pre_hook(
            lambda module, inputs: seen.append(tuple(inputs[0].shape[2:])))
        return model

    monkeypatch.setattr(tool, 'init_model_checked', spied)
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    tool.main([CONFIG, random_checkpoint, image, '--out-dir',
               str(tmp_path / 'a')])
    tool.main([CONFIG, random_checkpoint, image, '--out-dir',
               str(tmp_path / 'b'), '--cfg-options',
               'test_pipeline.1.scale=(720,540)'])
    assert seen == [(360, 480), (540, 720)]
    name = osp.splitext(osp.basename(image))[0] + '.png'
    for out in ('a', 'b'):
        labels = np.asarray(Image.open(tmp_path / out / 'labels' / name))
        assert labels.shape == (360, 480)
    with pytest.raises(Exception, match='unknown config key'):
        tool.main([CONFIG, random_checkpoint, image, '--out-dir',
                   str(tmp_path / 'c'), '--cfg-options', 'test_pipelin.x=1'])
    assert not osp.exists(tmp_path / 'c')


def test_infer_tool_refuses_checkpoint_that_does_not_fit(
        camvid_root, random_checkpoint, tmp_path):
    """mmseg's init_model would only warn and predict with a half-loaded
    model; the tools (infer, export_onnx, benchmark) refuse instead."""
    other = str(tmp_path / 'five_classes.py')
    with open(other, 'w') as f:
        f.write(f"_base_ = [{CONFIG!r}]\n"
                "model = dict(decode_head=dict(num_classes=5, "
                "loss_decode=dict(class_weight=None)))\n")
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    with pytest.raises(ValueError, match='random.pth does not fit'):
        infer_tool.main(
            [other, random_checkpoint, image, '--out-dir', str(tmp_path)])
    assert os.listdir(tmp_path) == ['five_classes.py']  # nothing written


def test_infer_tool_on_video(camvid_root, random_checkpoint, tmp_path,
                             capsys):
    video = str(tmp_path / 'clip.avi')
    frames = sorted(os.listdir(osp.join(camvid_root, 'val')))[:2]
    writer = cv2.VideoWriter(video, cv2.VideoWriter_fourcc(*'MJPG'), 5,
                             (480, 360))
    for name in frames:
        writer.write(cv2.imread(osp.join(camvid_root, 'val', name)))
    writer.release()
    tool = infer_tool
    out = tmp_path / 'out'
    assert tool.main([CONFIG, random_checkpoint, video, '--out-dir',
                      str(out)]) == 2
    assert sorted(os.listdir(out / 'labels')) == [
        'clip_000000.png', 'clip_000001.png'
    ]
    # the speed it ran at, the model's and the whole tool's
    speed = re.search(r'2 image\(s\) segmented into .*: ([\d.]+) frames/s in '
                      r'the model, ([\d.]+) frames/s with reading',
                      capsys.readouterr().out)
    assert speed and float(speed.group(1)) >= float(speed.group(2)) > 0
    capture = cv2.VideoCapture(str(out / 'clip_overlay.mp4'))
    shapes = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        shapes.append(frame.shape)
    capture.release()
    # a playable mp4 of both frames at the input's size; the overlay PNGs
    # carry the legend below the frame
    overlay = cv2.imread(str(out / 'overlay' / 'clip_000000.png'))
    assert overlay.shape[:2] > (360, 480) and overlay.shape[1] == 480
    assert shapes == [(360, 480, 3)] * 2


def small_frames(camvid_root, folder, n):
    import mmcv
    os.makedirs(folder)
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:n]
    for name in names:  # downsized: the tool's work, not the network's
        image = mmcv.imread(osp.join(camvid_root, 'val', name))
        mmcv.imwrite(mmcv.imresize(image, (96, 72)), osp.join(folder, name))
    return names


def test_infer_skips_unreadable_images_by_name(camvid_root, tmp_path):
    folder = str(tmp_path / 'in')
    names = small_frames(camvid_root, folder, 2)
    open(osp.join(folder, 'a_empty.png'), 'wb').close()
    tool = infer_tool
    out = tmp_path / 'out'
    with pytest.raises(ValueError, match=r'1 of 3 image\(s\) could not be'):
        tool.main([CONFIG, SHIPPED, folder, '--out-dir', str(out)])
    assert sorted(os.listdir(out / 'labels')) == names
    with pytest.raises(ValueError, match='a_empty.png'):
        tool.main([CONFIG, SHIPPED, osp.join(folder, 'a_empty.png'),
                   '--out-dir', str(out)])


@pytest.mark.parametrize('target', ['png', 'npy'])
def test_infer_on_a_full_disk_leaves_no_torn_file(camvid_root, tmp_path,
                                                  monkeypatch, target):
    """The disk fills while a file is written: one-line error naming it,
    nothing half-written under a final name, no temporaries left."""
    import errno

    import numpy as np
    folder = str(tmp_path / 'in')
    small_frames(camvid_root, folder, 1)
    from PIL import Image
    tool = infer_tool

    def imwrite_full(img, path, *args, **kwargs):
        with open(path, 'wb') as f:
            f.write(b'\x89PNG partial')
        return False  # what cv2.imwrite does on a full disk

    def save_full(path, array, *args, **kwargs):
        with open(path, 'wb') as f:
            f.write(b'\x93NUMPY partial')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if target == 'png':
        monkeypatch.setattr(tool.mmcv, 'imwrite', imwrite_full)
    else:
        monkeypatch.setattr(tool.np, 'save', save_full)
    out = tmp_path / 'out'
    from mmseg_fastscnn.fileio import DiskWriteError
    with pytest.raises(DiskWriteError) as error:
        tool.main([CONFIG, SHIPPED, folder, '--out-dir', str(out), '--mode',
                   'prob'])
    message = str(error.value)
    if target == 'png':
        assert message.startswith(f'could not write {out}/overlay/')
    else:
        assert message.startswith(f'could not write {out}/prob/')
        assert 'No space left on device' in message
    for dirpath, _, files in os.walk(out):
        for name in files:
            assert not name.startswith('.'), name  # no temporaries
            path = osp.join(dirpath, name)
            if name.endswith('.png'):  # every file left is whole
                Image.open(path).load()
            elif name.endswith('.npy'):
                np.load(path)


def test_infer_amp_labels_agree_with_float32(camvid_root, tmp_path):
    """--amp (the fast path in bfloat16 where the CPU has it, float32
    elsewhere) against mmseg's float32 inference_model (--no-fast) on real
    val frames with the shipped checkpoint, through
    tools/analysis/label_agreement.py."""
    from mmseg_fastscnn.cli import label_agreement
    folder = tmp_path / 'images'
    folder.mkdir()
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:2]
    for name in names:
        os.symlink(osp.join(camvid_root, 'val', name), folder / name)
    for out, extra in (('fp32', ['--no-fast']), ('amp', ['--amp'])):
        assert infer_tool.main([CONFIG, SHIPPED, str(folder), '--out-dir',
                                str(tmp_path / out), '--no-legend',
                                *extra]) == 2
    report = label_agreement.main([
        str(tmp_path / 'fp32' / 'labels'), str(tmp_path / 'amp' / 'labels'),
        '--json', str(tmp_path / 'agree.json')
    ])
    assert report['images'] == 2 and report['pixels'] == 2 * 360 * 480
    assert 0.995 <= report['agreement'] <= 1.0
    # no worst image where every pixel agrees (float32 on both sides)
    assert report['worst_image'] in names or report['agreement'] == 1.0
    os.remove(tmp_path / 'amp' / 'labels' / names[0])
    with pytest.raises(ValueError, match=f'different label maps, e.g. '
                       f'{names[0]}'):
        label_agreement.main([str(tmp_path / 'fp32' / 'labels'),
                              str(tmp_path / 'amp' / 'labels')])


def val_folder(camvid_root, folder, n):
    """The first ``n`` val frames, linked into ``folder``."""
    os.makedirs(folder)
    names = sorted(os.listdir(osp.join(camvid_root, 'val')))[:n]
    for name in names:
        os.symlink(osp.join(camvid_root, 'val', name), osp.join(folder, name))
    return names


def mmseg_labels(config, names, camvid_root, cfg_options=None):
    """Labels of mmseg's inference_model on val frames (the reference)."""
    import mmcv
    from mmengine.config import Config
    from mmseg.apis import inference_model

    from mmseg_fastscnn.apis import init_model_checked
    from mmseg_fastscnn.utils import apply_cfg_options
    cfg = Config.fromfile(config)
    apply_cfg_options(cfg, cfg_options or {})
    model = init_model_checked(cfg, SHIPPED)
    return {
        name: inference_model(model, mmcv.imread(
            osp.join(camvid_root, 'val', name))).pred_sem_seg.data[0].numpy()
        for name in names
    }


def read_labels(folder, name):
    return np.asarray(Image.open(osp.join(folder, 'labels', name)))


@pytest.mark.parametrize('scale', [None, '(720,540)'])
def test_infer_default_fast_path_gives_inference_model_labels(
        camvid_root, tmp_path, capsys, scale):
    """The default is the fast path (BN folded, channels-last); on val
    frames with the shipped checkpoint its labels are inference_model's,
    at the frame's size and where the test pipeline resizes (1.5x)."""
    names = val_folder(camvid_root, str(tmp_path / 'in'), 3)
    opts = ['--cfg-options', f'test_pipeline.1.scale={scale}'] if scale \
        else []
    out = str(tmp_path / 'out')
    assert infer_tool.main([CONFIG, SHIPPED, str(tmp_path / 'in'),
                            '--out-dir', out, '--no-legend', *opts]) == 3
    printed = capsys.readouterr().out
    assert 'inference: PyTorch fast path (BN folded, channels-last' in printed
    assert re.search(r'3 image\(s\) segmented into .*: [\d.]+ frames/s in '
                     r'the model, [\d.]+ frames/s with reading and writing '
                     r'\(PyTorch fast path', printed)
    expected = mmseg_labels(
        CONFIG, names, camvid_root,
        {'test_pipeline.1.scale': (720, 540)} if scale else None)
    for name in names:
        got = read_labels(out, name)
        assert got.shape == (360, 480)
        assert (got == expected[name]).mean() > 0.9999, name


def test_infer_no_fast_and_fallback_run_mmseg_inference_model(
        camvid_root, tmp_path, capsys):
    """--no-fast: mmseg's inference_model (the reference). A model the fast
    path cannot reproduce (sliding-window test) falls back to it, logged."""
    from mmengine.config import Config

    from mmseg_fastscnn.apis import init_model_checked
    from mmseg_fastscnn.apis.inference import (FastSegmenter,
                                               MMSegSegmenter,
                                               build_segmenter)
    names = val_folder(camvid_root, str(tmp_path / 'in'), 1)
    out = str(tmp_path / 'out')
    infer_tool.main([CONFIG, SHIPPED, str(tmp_path / 'in'), '--out-dir', out,
                     '--no-fast'])
    assert 'inference: PyTorch, mmseg inference_model' in \
        capsys.readouterr().out
    expected = mmseg_labels(CONFIG, names, camvid_root)
    assert (read_labels(out, names[0]) == expected[names[0]]).all()
    cfg = Config.fromfile(CONFIG)
    model = init_model_checked(cfg, SHIPPED)
    assert isinstance(build_segmenter(model), FastSegmenter)
    cfg.model.test_cfg = dict(mode='slide', crop_size=(256, 256),
                              stride=(170, 170))
    slide = init_model_checked(cfg, SHIPPED)
    segmenter = build_segmenter(slide)
    assert isinstance(segmenter, MMSegSegmenter)
    with pytest.raises(ValueError, match="test_cfg.mode is 'slide'"):
        FastSegmenter(slide)


@pytest.mark.parametrize('args, message', [
    (['--onnx', 'README.md'], '--onnx needs --backend onnxruntime'),
    (['--backend', 'onnxruntime', '--amp'], '--amp applies to --backend '
     'pytorch'),
    (['--backend', 'onnxruntime', '--no-fast'], '--no-fast applies to '
     '--backend pytorch'),
    (['--backend', 'onnxruntime', '--onnx', '/no/such.onnx'],
     'onnx not found: /no/such.onnx'),
    (['--threads', '0'], '--threads must be >= 1'),
])
def test_infer_backend_options_are_checked_first(args, message, tmp_path):
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        infer_tool.main([CONFIG, SHIPPED, 'README.md', '--out-dir',
                         str(tmp_path / 'out'), *args])
    assert not (tmp_path / 'out').exists()


def test_infer_onnxruntime_backend(camvid_root, tmp_path, capsys):
    """--backend onnxruntime: the model exported on the fly, or a graph of
    tools/deployment/export_onnx.py (fp32 and INT8); labels agree with
    inference_model's; a graph is refused, naming it, for frames of
    another size or a mode it does not output."""
    pytest.importorskip('onnxruntime')
    from mmseg_fastscnn.cli import export_onnx
    names = val_folder(camvid_root, str(tmp_path / 'in'), 2)
    expected = mmseg_labels(CONFIG, names, camvid_root)
    graph = str(tmp_path / 'm.onnx')
    export_onnx.main([CONFIG, SHIPPED, '--out', graph, '--parity-images',
                      '0', '--int8', '--calib-num', '2', '--cfg-options',
                      f'data_root={camvid_root}'])
    capsys.readouterr()
    runs = (('fly', [], 0.999, 'ONNX Runtime, fp32 exported on the fly'),
            ('fp32', ['--onnx', graph], 0.999, 'ONNX Runtime, m.onnx (fp32)'),
            ('int8', ['--onnx', str(tmp_path / 'm.int8.onnx')], 0.97,
             'ONNX Runtime, m.int8.onnx (int8 QDQ)'))
    for out, extra, least, description in runs:
        assert infer_tool.main([
            CONFIG, SHIPPED, str(tmp_path / 'in'), '--out-dir',
            str(tmp_path / out), '--backend', 'onnxruntime', *extra
        ]) == 2
        printed = capsys.readouterr().out
        assert f'inference: {description}' in printed
        assert re.search(r'2 image\(s\) segmented into .*: [\d.]+ frames/s '
                         'in the model', printed)
        for name in names:
            got = read_labels(tmp_path / out, name)
            assert (got == expected[name]).mean() > least, (out, name)
    assert 'exported to ONNX in' not in printed
    small = str(tmp_path / 'small')
    small_frames(camvid_root, small, 1)
    with pytest.raises(ValueError, match=f'{graph} takes 360x480 frames, '
                       'got 72x96'):
        infer_tool.main([CONFIG, SHIPPED, small, '--out-dir',
                         str(tmp_path / 's'), '--backend', 'onnxruntime',
                         '--onnx', graph])
    with pytest.raises(ValueError, match=f"{graph} outputs 'cls', --mode "
                       'prob needs'):
        infer_tool.main([CONFIG, SHIPPED, small, '--out-dir',
                         str(tmp_path / 's'), '--backend', 'onnxruntime',
                         '--onnx', graph, '--mode', 'prob'])
    # on the fly, prob mode: the probabilities' argmax is the labels
    out = tmp_path / 'prob'
    infer_tool.main([CONFIG, SHIPPED, small, '--out-dir', str(out),
                     '--backend', 'onnxruntime', '--mode', 'prob'])
    assert 'exported to ONNX in' in capsys.readouterr().out
    name = sorted(os.listdir(small))[0]
    probs = np.load(out / 'prob' / (name[:-4] + '.npy'))
    assert probs.shape == (11, 72, 96)
    assert (probs.argmax(0) == read_labels(out, name)).mean() > 0.999
