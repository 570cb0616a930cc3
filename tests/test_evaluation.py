"""Evaluation reports, side-by-side pictures and the inference tool."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.structures import PixelData
from mmseg.registry import METRICS, MODELS, VISUALIZERS
from mmseg.structures import SegDataSample
from PIL import Image

from mmseg_fastscnn.cli import infer as infer_tool
from mmseg_fastscnn.datasets import CAMVID_CLASSES, CAMVID_PALETTE
from mmseg_fastscnn.visualization import side_by_side

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(ROOT, 'configs', 'fastscnn_camvid.py')
CLASSES = ('right', 'wrong', 'half')
PALETTE = [[255, 0, 0], [0, 255, 0], [0, 0, 255]]


def hand_checked_case():
    """Class 0 all right, class 1 all wrong (-> 2), class 2 half right."""
    gt = torch.tensor([[0, 0, 0, 0], [1, 1, 1, 1], [2, 2, 2, 2],
                       [255, 255, 255, 255]])
    pred = torch.tensor([[0, 0, 0, 0], [2, 2, 2, 2], [2, 2, 0, 0],
                         [1, 1, 1, 1]])
    return gt, pred


def test_report_metric_hand_checked(tmp_path):
    metric = METRICS.build(
        dict(type='SegReportMetric', report_dir=str(tmp_path)))
    metric.dataset_meta = dict(classes=CLASSES, palette=PALETTE)
    gt, pred = hand_checked_case()
    sample = dict(
        pred_sem_seg=dict(data=pred[None]), gt_sem_seg=dict(data=gt[None]))
    metric.process({}, [sample])
    summary = metric.compute_metrics(metric.results)
    assert summary['aAcc'] == pytest.approx(50.0)  # 6 of 12 labelled pixels
    report = json.loads((tmp_path / 'per_class_metrics.json').read_text())
    per_class = report['per_class']
    assert per_class['right'] == dict(IoU=pytest.approx(400 / 6), Dice=80.0,
                                      Acc=100.0)
    assert per_class['wrong'] == dict(IoU=0.0, Dice=0.0, Acc=0.0)
    assert per_class['half'] == dict(IoU=25.0, Dice=40.0, Acc=50.0)
    assert summary['mIoU'] == pytest.approx((400 / 6 + 0 + 25) / 3, abs=0.01)
    conf = json.loads((tmp_path / 'confusion_matrix.json').read_text())
    assert conf['counts'] == [[4, 0, 0], [0, 0, 4], [2, 0, 2]]
    assert conf['row_normalised'] == [[1, 0, 0], [0, 0, 1], [0.5, 0, 0.5]]
    heat = np.asarray(Image.open(tmp_path / 'confusion_matrix.png'))
    assert heat.ndim == 3 and heat.shape[0] > 100


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


@pytest.fixture(scope='module')
def random_checkpoint(tmp_path_factory):
    """A weights-only checkpoint of an untrained model with CamVid meta."""
    model = MODELS.build(Config.fromfile(CONFIG).model)
    path = str(tmp_path_factory.mktemp('ckpt') / 'random.pth')
    torch.save(
        dict(
            meta=dict(
                dataset_meta=dict(
                    classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)),
            state_dict=model.state_dict()), path)
    return path


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
               'test_pipeline.1.scale=(480,360)'])
    assert seen == [(540, 720), (360, 480)]
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


def test_init_model_checked_refuses_weights_the_model_lacks(
        random_checkpoint, tmp_path):
    """The no-PPM model's weights are a subset of the full one's: loading
    the full checkpoint into it must not pass silently, while auxiliary
    heads the model does not build are skipped."""
    from mmseg_fastscnn.apis import init_model_checked
    no_ppm = osp.join(osp.dirname(CONFIG), 'ablations',
                      'fastscnn_no-ppm_1xb8-150e_camvid-360x480.py')
    with pytest.raises(ValueError,
                       match=r'(?s)random.pth does not fit.*ppm.*not in the '
                       r'model.*and \d+ more'):
        init_model_checked(no_ppm, random_checkpoint)
    state = torch.load(random_checkpoint)['state_dict']
    state['auxiliary_head.0.conv_seg.weight'] = torch.zeros(11, 32, 1, 1)
    with_aux = str(tmp_path / 'with_aux.pth')
    torch.save({'state_dict': state}, with_aux)
    model = init_model_checked(CONFIG, with_aux)
    assert not any(k.startswith('auxiliary_head.') for k in model.state_dict())


def test_init_model_checked_accepts_bare_state_dict(
        random_checkpoint, tmp_path):
    from mmseg_fastscnn.apis import init_model_checked
    full = init_model_checked(CONFIG, random_checkpoint)
    bare = str(tmp_path / 'bare.pth')
    torch.save(torch.load(random_checkpoint)['state_dict'], bare)
    model = init_model_checked(CONFIG, bare)
    assert not model.training
    assert model.dataset_meta['classes'] == full.dataset_meta['classes']
    for (name, a), b in zip(full.state_dict().items(),
                            model.state_dict().values()):
        assert torch.equal(a, b), name


def test_infer_tool_on_video(camvid_root, random_checkpoint, tmp_path):
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
    capture = cv2.VideoCapture(str(out / 'clip_overlay.mp4'))
    shapes = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        shapes.append(frame.shape)
    capture.release()
    # a playable mp4 of both frames, each the overlay with its legend
    overlay = cv2.imread(str(out / 'overlay' / 'clip_000000.png'))
    assert overlay.shape[:2] > (360, 480) and overlay.shape[1] == 480
    assert shapes == [overlay.shape] * 2


def test_inference_model_runs_the_network_at_the_test_size(
        camvid_root, random_checkpoint):
    """inference_model (tools/infer.py) follows cfg.test_pipeline: the
    network sees the 360x480 frame at 540x720, the answer is at 360x480."""
    from mmseg.apis import inference_model
    from mmseg_fastscnn.apis import init_model_checked
    model = init_model_checked(CONFIG, random_checkpoint)
    seen = []
    model.backbone.register_forward_pre_hook(
        lambda module, args: seen.append(tuple(args[0].shape[2:])))
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    result = inference_model(model, image)
    assert seen == [(540, 720)]
    assert tuple(result.pred_sem_seg.data.shape) == (1, 360, 480)


def test_mmseg_inferencer_runs_our_config(camvid_root, random_checkpoint,
                                          tmp_path):
    from mmseg.apis import MMSegInferencer
    inferencer = MMSegInferencer(
        model=CONFIG, weights=random_checkpoint, device='cpu')
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    result = inferencer(image, return_datasamples=True)
    assert tuple(result.pred_sem_seg.data.shape) == (1, 360, 480)
