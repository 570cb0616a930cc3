"""What the model tests share: small builders of the paper's segmentor, and
``SegmentorTester``, the checks every segmentor config gets (in the style of
segmentation_models.pytorch's ``tests/models/base.py``): forward and
backward, odd input sizes, save and load, TorchScript and ONNX export.

A config is tested by a subclass named ``Test...`` that sets ``config``
(see ``test_segmentors.py``); pytest collects the subclasses, never
``SegmentorTester`` itself.
"""
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config, ConfigDict
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmseg_fastscnn.deploy import create_session, export_onnx
from mmseg_fastscnn.models import SegmentorExportWrapper
from tests.utils import ROOT, SHIPPED, randomise_batchnorm

BACKBONE = dict(type='FastSCNNPaper')
HEAD = dict(
    type='FastSCNNClassifierHead',
    in_channels=128,
    channels=128,
    num_classes=11,
    norm_cfg=dict(type='BN'),
    loss_decode=dict(type='SoftmaxCrossEntropyLoss'))


def build_segmentor(num_classes=11, **backbone):
    head = dict(HEAD, num_classes=num_classes)
    return MODELS.build(
        dict(
            type='EncoderDecoder',
            data_preprocessor=dict(
                type='SegDataPreProcessor',
                mean=[123.675, 116.28, 103.53],
                std=[58.395, 57.12, 57.375],
                bgr_to_rgb=True,
                size_divisor=32,
                seg_pad_val=255),
            backbone=dict(BACKBONE, **backbone),
            decode_head=head,
            test_cfg=ConfigDict(mode='whole')))


def count(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def labelled_samples(labels: torch.Tensor) -> list:
    """One SegDataSample per (H, W) label map of ``labels`` (N, H, W)."""
    samples = []
    for label in labels:
        shape = tuple(label.shape)
        sample = SegDataSample(
            metainfo=dict(img_shape=shape, ori_shape=shape, pad_shape=shape))
        sample.gt_sem_seg = PixelData(data=label[None])
        samples.append(sample)
    return samples


class SegmentorTester:
    """Checks that any segmentor config of this package must pass.

    Subclasses set ``config`` (a path under ``configs/``) and may change the
    sizes, the export modes or ``min_labels``. Inputs are generated, except
    for the ONNX check, which labels a real (downsized) CamVid frame with the
    shipped weights, so that the labels compared are a real street-scene
    labelling, not one class everywhere.
    """

    config: str = ''
    train_size = (64, 96)  # (H, W) of the forward/backward batch
    odd_sizes = ((45, 61), (97, 130))
    export_size = (96, 128)
    export_modes = ('cls', )
    min_labels = 5  # distinct labels on the real frame
    check_trace = False  # torch.jit.trace's own re-trace check (slow)

    def build(self, seed: int = 0) -> nn.Module:
        """The config's model, freshly initialised from ``seed``."""
        torch.manual_seed(seed)
        cfg = Config.fromfile(osp.join(ROOT, 'configs', self.config))
        return MODELS.build(cfg.model)

    def trained(self) -> nn.Module:
        """The model in eval mode with the shipped weights
        (``shipped_state``); only auxiliary heads (not run at inference) may
        keep their initialisation."""
        model = self.build()
        own = model.state_dict()
        fitting = self.shipped_state(own)
        unset = [
            k for k in own
            if k not in fitting and not k.startswith('auxiliary_head.')
        ]
        assert not unset, unset
        model.load_state_dict(fitting, strict=False)
        return model.eval()

    def shipped_state(self, own: dict) -> dict:
        """The shipped weights whose name and shape fit the state dict
        ``own``; a subclass whose layers differ maps them here."""
        shipped = torch.load(SHIPPED, weights_only=True)['state_dict']
        return {
            k: v
            for k, v in shipped.items()
            if k in own and own[k].shape == v.shape
        }

    def test_forward_backward(self):
        """A training step's loss is finite and every trainable parameter
        (auxiliary heads included) gets a finite, non-zero gradient."""
        model = self.build().train()
        h, w = self.train_size
        num_classes = model.decode_head.num_classes
        labels = torch.randint(0, num_classes, (2, h, w))
        labels[:, :4, :4] = 255  # ignored pixels
        losses = model.loss(torch.randn(2, 3, h, w), labelled_samples(labels))
        loss, _ = model.parse_losses(losses)
        assert torch.isfinite(loss) and loss > 0, losses
        loss.backward()
        trainable = [(name, p) for name, p in model.named_parameters()
                     if p.requires_grad]
        assert len(trainable) > 50
        without = [
            name for name, p in trainable
            if p.grad is None or not torch.isfinite(p.grad).all()
            or not p.grad.any()
        ]
        assert not without, without

    def test_odd_input_sizes(self):
        """Sizes no stride divides: mmseg's test step and the export wrapper
        answer at the input size, with the same labels."""
        model = self.trained()
        num_classes = model.decode_head.num_classes
        for h, w in self.odd_sizes:
            image = torch.randint(0, 256, (3, h, w), dtype=torch.uint8)
            sample = SegDataSample(metainfo=dict(
                img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w)))
            with torch.no_grad():
                result = model.test_step(
                    dict(inputs=[image], data_samples=[sample]))[0]
                labels = SegmentorExportWrapper(
                    model, 'cls', with_preprocess=True)(image[None].float())
            assert result.pred_sem_seg.data.shape == (1, h, w)
            assert result.seg_logits.data.shape == (num_classes, h, w)
            assert labels.shape == (1, h, w)
            agree = (labels[0] == result.pred_sem_seg.data[0]).float().mean()
            assert agree > 0.999, ((h, w), agree)

    def test_save_and_load(self, tmp_path):
        """A state dict saved with torch.save and read back weights-only
        into a model initialised otherwise gives identical outputs."""
        model = randomise_batchnorm(self.build(seed=0)).eval()
        path = str(tmp_path / 'state_dict.pth')
        torch.save(model.state_dict(), path)
        other = self.build(seed=1).eval()
        x = torch.rand(1, 3, *self.train_size) * 255
        with torch.no_grad():
            expected = SegmentorExportWrapper(model, 'logits', True)(x)
            before = SegmentorExportWrapper(other, 'logits', True)(x)
        assert not torch.allclose(before, expected)
        other.load_state_dict(torch.load(path, weights_only=True))  # strict
        with torch.no_grad():
            after = SegmentorExportWrapper(other, 'logits', True)(x)
        assert torch.equal(after, expected)

    def val_frame(self, camvid_root: str) -> np.ndarray:
        """The first CamVid val frame at ``export_size``: (1, 3, H, W)
        float32, BGR 0..255, as the exported graph takes it."""
        h, w = self.export_size
        name = sorted(os.listdir(osp.join(camvid_root, 'val')))[0]
        frame = mmcv.imresize(
            mmcv.imread(osp.join(camvid_root, 'val', name)), (w, h))
        return frame.transpose(2, 0, 1)[None].astype(np.float32)

    def test_torchscript_trace(self, camvid_root):
        """The traced wrapper (preprocessing inside) labels as the eager
        one, on the example input (noise) and on another (a CamVid frame)."""
        wrapper = SegmentorExportWrapper(
            self.trained(), 'cls', with_preprocess=True)
        x = torch.rand(1, 3, *self.export_size) * 255
        x2 = torch.from_numpy(self.val_frame(camvid_root))
        with torch.no_grad():
            traced = torch.jit.trace(wrapper, x, check_trace=self.check_trace)
            assert torch.equal(traced(x), wrapper(x))
            expected = wrapper(x2)
            assert torch.equal(traced(x2), expected)
        assert len(torch.unique(expected)) > 1

    def test_onnx_export(self, tmp_path, camvid_root):
        """The graph ``export_onnx`` writes (BN folded, preprocessing
        inside) gives PyTorch's labels, and its probabilities."""
        pytest.importorskip('onnxruntime')
        pytest.importorskip('onnx')
        model = self.trained()
        x = self.val_frame(camvid_root)
        for mode in self.export_modes:
            path = export_onnx(model, str(tmp_path / f'{mode}.onnx'), mode,
                               self.export_size)
            with torch.no_grad():
                expected = SegmentorExportWrapper(
                    model, mode, with_preprocess=True)(
                        torch.from_numpy(x)).numpy()
            got = create_session(path, 1).run(None, {'image': x})[0]
            assert got.shape == expected.shape
            if mode == 'cls':
                assert len(np.unique(expected)) >= self.min_labels
                assert (got == expected).mean() > 0.999
            else:
                assert abs(got - expected).max() < 1e-4
