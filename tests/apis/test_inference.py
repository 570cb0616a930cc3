"""init_model_checked and mmseg's inference APIs on our config."""
import os
import os.path as osp

import pytest
import torch

from tests.utils import CONFIG


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


def test_inference_model_runs_the_network_at_the_test_size(
        camvid_root, random_checkpoint):
    """inference_model (tools/infer.py) follows cfg.test_pipeline: the
    network sees the 360x480 frame at the test size (360x480, or 540x720
    when the pipeline says 1.5x); the answer is at 360x480."""
    from mmengine import Config
    from mmseg.apis import inference_model
    from mmseg_fastscnn.apis import init_model_checked
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    scaled = Config.fromfile(CONFIG)
    scaled.test_pipeline[1]['scale'] = (720, 540)
    seen = []
    for config in (CONFIG, scaled):
        model = init_model_checked(config, random_checkpoint)
        model.backbone.register_forward_pre_hook(
            lambda module, args: seen.append(tuple(args[0].shape[2:])))
        result = inference_model(model, image)
        assert tuple(result.pred_sem_seg.data.shape) == (1, 360, 480)
    assert seen == [(360, 480), (540, 720)]


def test_mmseg_inferencer_runs_our_config(camvid_root, random_checkpoint,
                                          tmp_path):
    from mmseg.apis import MMSegInferencer
    inferencer = MMSegInferencer(
        model=CONFIG, weights=random_checkpoint, device='cpu')
    image = osp.join(camvid_root, 'val',
                     sorted(os.listdir(osp.join(camvid_root, 'val')))[0])
    result = inferencer(image, return_datasamples=True)
    assert tuple(result.pred_sem_seg.data.shape) == (1, 360, 480)
