"""NoSingletonBatchSampler: no training batch of one, shuffling intact."""
from types import SimpleNamespace

import pytest
import torch
from mmengine.hooks import DistSamplerSeedHook
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

import mmseg_fastscnn  # noqa: F401

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
