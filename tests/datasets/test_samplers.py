"""NoSingletonBatchSampler: no training batch of one, shuffling intact;
SequenceBalancedSampler: each sequence drawn equally, epochs kept."""
import os.path as osp
from collections import Counter
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import DistSamplerSeedHook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmseg_fastscnn  # noqa: F401
from tests.utils import ROOT

BALANCED = osp.join(ROOT, 'configs', 'ablations',
                    'fastscnn_sequence-balanced_1xb8-150e_camvid-360x480.py')

BASE_LOADER = dict(
    batch_size=8,
    num_workers=0,
    sampler=dict(type='DefaultSampler', shuffle=True),
    batch_sampler=dict(type='NoSingletonBatchSampler'))


def loader_of(n, **overrides):
    init_default_scope('mmseg')
    return Runner.build_dataloader(
        dict(BASE_LOADER, dataset=list(range(n)), **overrides), seed=0)


@pytest.mark.parametrize('n, sizes', [(9, [8]), (10, [8, 2]), (16, [8, 8]),
                                      (17, [8, 8]), (7, [7])])
def test_only_a_last_batch_of_one_is_dropped(n, sizes):
    loader = loader_of(n)
    assert [len(batch) for batch in loader] == sizes
    assert len(loader) == len(sizes)


def test_batch_size_one_keeps_every_sample():
    assert len(list(loader_of(3, batch_size=1))) == 3


def test_a_batch_of_one_is_what_batchnorm_cannot_train_on():
    """The fault the sampler avoids: a 1x1 map in a batch of one."""
    norm = torch.nn.BatchNorm2d(4).train()
    norm(torch.randn(2, 4, 1, 1))
    with pytest.raises(ValueError, match='more than 1 value per channel'):
        norm(torch.randn(1, 4, 1, 1))


def test_the_sampler_seed_hook_still_reshuffles_each_epoch():
    loader = loader_of(64)
    hook = DistSamplerSeedHook()
    orders = []
    for epoch in (0, 1):
        hook.before_train_epoch(
            SimpleNamespace(train_loop=SimpleNamespace(dataloader=loader),
                            epoch=epoch))
        orders.append([int(i) for batch in loader for i in batch])
    assert sorted(orders[0]) == sorted(orders[1]) == list(range(64))
    assert orders[0] != orders[1]


class Frames:
    """A dataset of named frames: ``sizes`` frames per sequence."""

    def __init__(self, sizes):
        self.paths = [f'/data/{seq}_{i:05d}.png' for seq, n in sizes.items()
                      for i in range(n)]

    def __len__(self):
        return len(self.paths)

    def get_data_info(self, index):
        return dict(img_path=self.paths[index])


def draws(sampler, epochs):
    """Frames drawn per sequence over ``epochs`` epochs."""
    from mmseg_fastscnn.datasets import sequence_of
    counts = Counter()
    for epoch in range(epochs):
        sampler.set_epoch(epoch)
        counts.update(
            sequence_of(sampler.dataset.get_data_info(i)['img_path'])
            for i in sampler)
    return counts


def test_balanced_sampler_draws_each_sequence_equally():
    from mmseg_fastscnn.datasets import SequenceBalancedSampler
    dataset = Frames({'A': 2, 'B': 6, 'C': 12})
    sampler = SequenceBalancedSampler(dataset, seed=3)
    assert len(sampler) == len(list(sampler)) == 20  # steps kept
    counts = draws(sampler, 300)
    for seq in 'ABC':  # plain shuffling: 10%, 30%, 60%
        assert abs(counts[seq] / 6000 - 1 / 3) < 0.02, counts
    assert sampler.sequence_frames == {'A': 2, 'B': 6, 'C': 12}


def test_balanced_sampler_draw_depends_on_seed_and_epoch_only():
    from mmseg_fastscnn.datasets import SequenceBalancedSampler
    dataset = Frames({'A': 3, 'B': 9})
    one, two = (SequenceBalancedSampler(dataset, seed=5) for _ in range(2))
    assert list(one) == list(two)
    first = list(one)
    one.set_epoch(1)
    assert list(one) != first


def test_balanced_sampler_ranks_share_one_draw(monkeypatch):
    import mmengine.dataset.sampler as mmengine_sampler
    from mmseg_fastscnn.datasets import SequenceBalancedSampler
    dataset = Frames({'A': 3, 'B': 7})
    whole = list(SequenceBalancedSampler(dataset, seed=1))
    shares = []
    for rank in (0, 1):
        monkeypatch.setattr(mmengine_sampler, 'get_dist_info',
                            lambda rank=rank: (rank, 2))
        shares.append(list(SequenceBalancedSampler(dataset, seed=1)))
    assert shares == [whole[0::2], whole[1::2]]


def test_balanced_sampler_refuses_no_shuffle():
    init_default_scope('mmseg')
    loader = dict(BASE_LOADER, dataset=Frames({'A': 10}),
                  sampler=dict(type='SequenceBalancedSampler', shuffle=False))
    with pytest.raises(ValueError, match='sampler.shuffle must be True'):
        Runner.build_dataloader(loader, seed=0)


def test_balanced_sampler_on_a_camvid_fold(camvid_root):
    """The ablation config on fold 0006R0: 0001TP's 62 frames and
    0016E5's 204 each get half the draws."""
    from mmengine import Config

    from mmseg_fastscnn.utils.config_utils import apply_fold
    cfg = apply_fold(Config.fromfile(BALANCED), '0006R0')
    cfg.train_dataloader.dataset.data_root = camvid_root
    init_default_scope('mmseg')
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    sampler = loader.batch_sampler.sampler
    assert sampler.sequence_frames == {'0001TP': 62, '0016E5': 204}
    assert len(loader) == 34  # 266 draws, as many steps as a plain epoch
    counts = draws(sampler, 20)
    assert abs(counts['0001TP'] / (20 * 266) - 0.5) < 0.03, counts
