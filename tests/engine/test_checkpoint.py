"""Checkpoints load with torch's weights_only=True; unsafe ones are refused."""
import os
import os.path as osp
import pathlib
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer

from mmseg_fastscnn.checkpoint import UnsafeCheckpointError, load_checkpoint_file
from mmseg_fastscnn.checkpoint import from_weights_only, to_weights_only
from tests.utils import CONFIG


class Opaque:
    """Stands for any pickled Python object (e.g. mmengine's buffers);
    counts how often unpickling rebuilt one."""
    loads = 0

    def __init__(self, value=1):
        self.value = value

    def __setstate__(self, state):
        type(self).loads += 1
        self.__dict__.update(state)


def message_hub_state():
    buffer = HistoryBuffer(max_length=5)
    for v in (1.0, 2.5, 3.0):
        buffer.update(v)
    return dict(
        log_scalars=OrderedDict({'train/loss': buffer}),
        runtime_info=OrderedDict(
            best_score=np.float64(0.61), iter=np.int64(12),
            hist=np.arange(3.0)),
        resumed_keys=OrderedDict({'train/loss': True}))


def test_round_trip_through_weights_only_load(tmp_path):
    state = dict(
        message_hub=message_hub_state(),
        param_schedulers=[dict(anneal_func=len, last_step=3)])
    path = str(tmp_path / 'ckpt.pth')
    torch.save(to_weights_only(state), path)
    loaded = from_weights_only(torch.load(path, weights_only=True))
    buffer = loaded['message_hub']['log_scalars']['train/loss']
    assert isinstance(buffer, HistoryBuffer)
    assert buffer.max_length == 5
    assert buffer.data[0].tolist() == [1.0, 2.5, 3.0]
    info = loaded['message_hub']['runtime_info']
    assert info['best_score'] == pytest.approx(0.61)
    assert type(info['best_score']) is float and info['iter'] == 12
    assert info['hist'].tolist() == [0.0, 1.0, 2.0]
    # callables are dropped: schedulers rebuild them from the config
    assert loaded['param_schedulers'] == [dict(last_step=3)]


def test_sets_and_paths_round_trip_and_other_objects_are_named(
        tmp_path, caplog_mmengine):
    # what a hook may keep in message_hub.runtime_info or meta
    state = dict(meta=dict(
        seen={np.int64(3), 'frame'}, frozen=frozenset({1, 2}),
        out_dir=pathlib.Path('work_dirs') / 'run', opaque=[1, Opaque(7)]))
    converted = to_weights_only(state)
    # the one object left as it is, named where it sits
    assert 'checkpoint.meta.opaque[1] is a tests.engine.test_checkpoint.' \
           'Opaque' in caplog_mmengine.text
    path = str(tmp_path / 'ckpt.pth')
    torch.save(converted, path)
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)

    del state['meta']['opaque']
    torch.save(to_weights_only(state), path)
    loaded = from_weights_only(torch.load(path, weights_only=True))['meta']
    assert loaded['seen'] == {3, 'frame'} and type(loaded['seen']) is set
    assert loaded['frozen'] == frozenset({1, 2})
    assert type(loaded['frozen']) is frozenset
    assert loaded['out_dir'] == pathlib.Path('work_dirs/run')


def test_unsafe_checkpoint_refused_unless_own_resume_file(tmp_path):
    work = tmp_path / 'run'
    work.mkdir()
    inside = str(work / 'epoch_1.pth')
    outside = str(tmp_path / 'stranger.pth')
    for path in (inside, outside):
        torch.save(dict(state_dict={}, extra=Opaque()), path)
    with pytest.raises(UnsafeCheckpointError, match='stranger.pth'):
        load_checkpoint_file(outside, trusted_dir=str(work))
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint_file(inside)  # not resuming: not trusted
    loaded = load_checkpoint_file(inside, trusted_dir=str(work))
    assert loaded['extra'].value == 1


def test_auto_resume_picks_newest_whole_checkpoint(tmp_path, monkeypatch):
    """Truncated and .tmp files are skipped; files that only a full
    unpickle opens are never unpickled unless trusted, and each file is
    opened once; a pointer into another dir (a copied work dir) is read in
    this one."""
    from mmseg_fastscnn.checkpoint import UnsafeCheckpointError
    from mmseg_fastscnn.apis.resume import latest_complete_checkpoint
    torch.save(dict(state_dict={}), str(tmp_path / 'epoch_1.pth'))
    torch.save(dict(state_dict={}, extra=Opaque()),
               str(tmp_path / 'epoch_2.pth'))
    torch.save(dict(state_dict={}), str(tmp_path / 'epoch_4.pth.tmp'))
    whole = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(whole[:len(whole) // 2])
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    Opaque.loads = 0
    opened = []
    real_load = torch.load

    def counting_load(path, *args, **kwargs):
        opened.append(os.path.basename(path))
        return real_load(path, *args, **kwargs)

    monkeypatch.setattr(torch, 'load', counting_load)
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'epoch_1.pth')
    assert Opaque.loads == 0  # epoch_2.pth's objects were never rebuilt
    assert opened == ['epoch_2.pth', 'epoch_1.pth']  # each one once
    monkeypatch.setattr(torch, 'load', real_load)
    assert latest_complete_checkpoint(str(tmp_path), trust=True) == str(
        tmp_path / 'epoch_2.pth')
    os.remove(tmp_path / 'epoch_1.pth')
    with pytest.raises(UnsafeCheckpointError, match='--trust-resume'):
        latest_complete_checkpoint(str(tmp_path))
    # the pointer of a copied work dir names the original: read it here
    torch.save(dict(state_dict={}), str(tmp_path / 'iter_7.pth'))
    os.rename(tmp_path / 'iter_7.pth', tmp_path / 'named.pth')
    (tmp_path / 'last_checkpoint').write_text('/elsewhere/run/named.pth')
    os.remove(tmp_path / 'epoch_2.pth')
    assert latest_complete_checkpoint(str(tmp_path)) == str(
        tmp_path / 'named.pth')


def test_early_stopping_state_carried_through_resume_only(tmp_path):
    """The hook saves its own state in the checkpoint and takes it back on
    resume only; two such hooks keep theirs apart."""
    from types import SimpleNamespace

    from mmseg_fastscnn.engine import TrainOnlyEarlyStoppingHook

    def hook(monitor='mIoU'):
        return TrainOnlyEarlyStoppingHook(monitor=monitor, rule='greater',
                                          patience=9)

    running, other = hook(), hook('mDice')
    running.best_score, running.wait_count = 61.5, 3
    other.best_score, other.wait_count = 70.0, 1
    checkpoint = dict(meta=dict(epoch=7))
    for h in (running, other):
        h.before_save_checkpoint(SimpleNamespace(hooks=[running, other]),
                                 checkpoint)
    path = str(tmp_path / 'epoch_7.pth')
    torch.save(checkpoint, path)
    loaded = torch.load(path, weights_only=True)
    assert loaded['meta']['early_stopping'] == [
        dict(best_score=61.5, wait_count=3),
        dict(best_score=70.0, wait_count=1)]
    fresh, fresh_other = hook(), hook('mDice')
    hooks = [fresh, fresh_other]
    # load_from: the Runner's counters are at 0 when training starts
    new_run = SimpleNamespace(hooks=hooks, iter=0, work_dir=str(tmp_path))
    fresh.after_load_checkpoint(new_run, loaded)
    fresh.before_train(new_run)
    assert (fresh.best_score, fresh.wait_count) == (-float('inf'), 0)
    resumed = SimpleNamespace(hooks=hooks, iter=70, work_dir=str(tmp_path))
    for h in hooks:
        h.after_load_checkpoint(resumed, loaded)
        h.before_train(resumed)
    assert (fresh.best_score, fresh.wait_count) == (61.5, 3)
    assert (fresh_other.best_score, fresh_other.wait_count) == (70.0, 1)


def test_publish_own_plain_checkpoint_with_trust(tmp_path):
    from mmseg_fastscnn.apis.publish import publish_checkpoint
    src = str(tmp_path / 'plain.pth')
    torch.save(
        dict(state_dict=dict(w=torch.ones(2)), meta=dict(epoch=3),
             message_hub=Opaque()), src)
    out = str(tmp_path / 'out.pth')
    with pytest.raises(UnsafeCheckpointError, match='--trust'):
        publish_checkpoint(src, out)
    publish_checkpoint(src, out, trust=True)
    published = torch.load(out, weights_only=True)
    assert published['state_dict']['w'].tolist() == [1.0, 1.0]
    assert published['meta']['epoch'] == 3


def test_missing_checkpoint_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.pth'):
        load_checkpoint_file(str(tmp_path / 'nope.pth'))


def test_truncated_or_foreign_file_named_as_not_a_checkpoint(tmp_path):
    whole = str(tmp_path / 'whole.pth')
    torch.save(dict(state_dict=dict(w=torch.ones(1000))), whole)
    data = open(whole, 'rb').read()
    files = dict(truncated=data[:len(data) // 2], empty=b'',
                 image=b'\x89PNG\r\n\x1a\n' + bytes(64), text=b'hello\n')
    for name, content in files.items():
        path = tmp_path / f'{name}.pth'
        path.write_bytes(content)
        with pytest.raises(ValueError, match=f'{name}.pth is not a complete '
                           'PyTorch checkpoint'):
            load_checkpoint_file(str(path))
    assert load_checkpoint_file(whole)['state_dict']['w'].sum() == 1000
    legacy = str(tmp_path / 'legacy.pth')  # pre-zip torch format still loads
    torch.save(dict(w=torch.ones(2)), legacy,
               _use_new_zipfile_serialization=False)
    assert load_checkpoint_file(legacy)['w'].tolist() == [1.0, 1.0]


def test_runner_trusts_only_files_in_its_work_dir(tmp_path):
    from mmseg_fastscnn.checkpoint import is_within
    assert is_within(str(tmp_path / 'a' / 'b.pth'), str(tmp_path / 'a'))
    assert not is_within(str(tmp_path / 'ab.pth'), str(tmp_path / 'a'))
    assert not is_within(
        str(tmp_path / 'a' / '..' / 'c.pth'), str(tmp_path / 'a'))
    # a link inside the work dir to a file elsewhere is not the run's own
    (tmp_path / 'a').mkdir()
    (tmp_path / 'elsewhere.pth').write_bytes(b'')
    (tmp_path / 'a' / 'link.pth').symlink_to(tmp_path / 'elsewhere.pth')
    assert not is_within(str(tmp_path / 'a' / 'link.pth'),
                         str(tmp_path / 'a'))


def test_published_checkpoint_works_with_mmseg_apis(tmp_path, camvid_root):
    """publish -> weights-only file -> mmseg's init_model/inference_model."""
    from mmengine.config import Config
    from mmseg.apis import inference_model, init_model
    from mmseg.registry import MODELS

    from mmseg_fastscnn.apis.publish import publish_checkpoint
    config = CONFIG
    model = MODELS.build(Config.fromfile(config).model)
    train_ckpt = str(tmp_path / 'epoch_1.pth')
    torch.save(
        to_weights_only(
            dict(
                meta=dict(
                    epoch=1,
                    dataset_meta=dict(classes=('Sky', ) * 11),
                    best=np.float64(1.0)),
                state_dict=model.state_dict(),
                message_hub=message_hub_state(),
                optimizer=dict(state={}, param_groups=[]))), train_ckpt)
    out = str(tmp_path / 'published.pth')
    publish_checkpoint(train_ckpt, out,
                       extra_meta=dict(trained_on='train+val, 468 frames'))
    published = torch.load(out, weights_only=True)
    assert set(published) == {'meta', 'state_dict'}
    assert published['meta']['epoch'] == 1
    assert published['meta']['trained_on'] == 'train+val, 468 frames'
    # published again in place with more metadata: the first keys stay,
    # the weights are the same, and no temporary file is left
    publish_checkpoint(out, out, extra_meta=dict(schedule='150 epochs'))
    again = torch.load(out, weights_only=True)
    assert again['meta']['trained_on'] == 'train+val, 468 frames'
    assert again['meta']['schedule'] == '150 epochs'
    assert again['meta']['published_keys'] == ['schedule', 'trained_on']
    assert sorted(__import__('os').listdir(tmp_path)) == [
        'epoch_1.pth', 'published.pth']
    segmentor = init_model(config, out, device='cpu')
    image = osp.join(camvid_root, 'val', sorted(
        __import__('os').listdir(osp.join(camvid_root, 'val')))[0])
    result = inference_model(segmentor, image)
    assert tuple(result.pred_sem_seg.data.shape) == (1, 360, 480)
    for key, value in model.state_dict().items():
        assert torch.equal(segmentor.state_dict()[key], value), key


def test_backbone_fine_tune_from_checkpoint_of_other_class_count(tmp_path):
    """README's recipe: init_cfg Pretrained with prefix 'backbone.' loads
    the backbone of an 11-class checkpoint into a 5-class model."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmseg.registry import MODELS
    init_default_scope('mmseg')
    cfg = Config.fromfile(CONFIG)
    source = MODELS.build(cfg.model)
    path = str(tmp_path / 'camvid.pth')
    torch.save(dict(meta={}, state_dict=source.state_dict()), path)
    cfg.model.decode_head.num_classes = 5
    cfg.model.decode_head.loss_decode = dict(type='SoftmaxCrossEntropyLoss')
    cfg.model.backbone.init_cfg = dict(
        type='Pretrained', checkpoint=path, prefix='backbone.')
    target = MODELS.build(cfg.model)
    target.init_weights()
    backbone = {k: v for k, v in source.state_dict().items()
                if k.startswith('backbone.')}
    loaded = target.state_dict()
    assert all(torch.equal(loaded[k], v) for k, v in backbone.items())
    assert loaded['decode_head.conv_seg.weight'].shape[0] == 5


def test_published_config_holds_no_machine_path(tmp_path):
    """The config text a published checkpoint carries: paths into the
    repository become configs/..., other absolute paths their last part;
    relative paths are kept."""
    from mmseg_fastscnn.apis.publish import (publish_checkpoint,
                                               strip_machine_paths)
    text = ("class_stats = '/home/ann/mmseg-fastscnn/configs/_base_/"
            "datasets/camvid_class_stats.json'\n"
            'work_dir = "/scratch/ann/work_dirs/run"\n'
            "load_from = 'C:\\\\Users\\\\ann\\\\stage1.pth'\n"
            "data_root = '../shared/data/camvid'\n")
    assert strip_machine_paths(text) == (
        "class_stats = 'configs/_base_/datasets/camvid_class_stats.json'\n"
        'work_dir = "run"\n'
        "load_from = 'stage1.pth'\n"
        "data_root = '../shared/data/camvid'\n")
    src = str(tmp_path / 'epoch_1.pth')
    torch.save(dict(meta=dict(cfg=text), state_dict={}), src)
    publish_checkpoint(src, str(tmp_path / 'out.pth'))
    cfg = torch.load(str(tmp_path / 'out.pth'), weights_only=True)['meta'][
        'cfg']
    assert '/home/' not in cfg and '/scratch/' not in cfg and 'C:' not in cfg


def test_unsafe_and_torn_files_refused_by_mmseg_and_named_by_ours(
        tmp_path, random_checkpoint):
    """mmseg's own ``init_model`` (mmengine's loader, left as it is) refuses
    an unsafe file without unpickling it (torch's weights-only default);
    our tools' loader names the file in one line, without torch's advice to
    unpickle it in full, and names a torn copy as such; a good file loads
    through both."""
    import pickle

    from mmseg.apis import init_model

    from mmseg_fastscnn.apis.inference import init_model_checked
    hostile = str(tmp_path / 'hostile.pth')
    torch.save(dict(state_dict={}, payload=Opaque()), hostile)
    before = Opaque.loads
    with pytest.raises(pickle.UnpicklingError):
        init_model(CONFIG, hostile, device='cpu')
    with pytest.raises(UnsafeCheckpointError) as error:
        init_model_checked(CONFIG, hostile, device='cpu')
    message = str(error.value)
    assert message.startswith(hostile) and 'Opaque' in message, message
    assert 'weights_only` set to `False' not in message
    assert '\n' not in message
    assert Opaque.loads == before
    torn = str(tmp_path / 'torn.pth')
    with open(random_checkpoint, 'rb') as src, open(torn, 'wb') as dst:
        dst.write(src.read()[:4096])
    with pytest.raises(ValueError, match='torn.pth is not a complete'):
        init_model_checked(CONFIG, torn, device='cpu')
    for init in (init_model, init_model_checked):
        model = init(CONFIG, random_checkpoint, device='cpu')
        assert model.dataset_meta['classes'][0] == 'Sky'
