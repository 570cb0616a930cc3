"""Training samplers: no batch of one sample; sequences drawn equally."""
from collections import Counter
from typing import Dict, Iterator, List, Optional, Sized

import torch
from mmengine.dataset import DefaultSampler
from mmengine.logging import print_log
from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import BatchSampler, Sampler

from .camvid import sequence_of


@DATA_SAMPLERS.register_module()
class NoSingletonBatchSampler(BatchSampler):
    """torch's ``BatchSampler`` that drops a last batch of one sample.

    BatchNorm cannot train on a batch of one where a feature map is 1x1 (the
    PPM's pooled branch): a dataset of ``k * batch_size + 1`` samples stops
    training at the end of the first epoch. ``drop_last=True`` would also
    drop larger remainders; this drops only the one sample that fails.
    With ``batch_size=1`` every batch is kept (nothing to drop to).

    Args:
        sampler (Sampler): Sample indices, e.g. mmengine's DefaultSampler
            (mmengine fills it in from the dataloader's ``sampler``).
        batch_size (int): Samples per batch (filled in from the
            dataloader's ``batch_size``).
    """

    def __init__(self, sampler: Sampler, batch_size: int) -> None:
        super().__init__(sampler, batch_size, drop_last=False)

    def __iter__(self) -> Iterator[List[int]]:
        for batch in super().__iter__():
            if len(batch) == 1 and self.batch_size > 1:
                return  # the last batch (the only short one)
            yield batch

    def __len__(self) -> int:
        full, rest = divmod(len(self.sampler), self.batch_size)
        return full + (1 if rest > 1 else 0)  # batch_size 1: rest is 0


@DATA_SAMPLERS.register_module()
class SequenceBalancedSampler(DefaultSampler):
    """mmengine's ``DefaultSampler``, with every video sequence equally
    likely to be drawn.

    Each epoch draws as many frames as the dataset holds (an epoch keeps its
    number of steps), with replacement; frame ``i`` is drawn with chance
    ``1 / (S * n_i)``, ``S`` the dataset's sequences and ``n_i`` the frames
    of ``i``'s sequence (:func:`sequence_of` its ``img_path``). Why: CamVid's
    train split is 56% one sequence (0016E5), so a plain shuffle shows the
    model that sequence's streets most. The draw depends only on ``seed``
    and the epoch (``set_epoch``, mmengine's ``DistSamplerSeedHook``), so
    every rank draws the same and keeps its share, as ``DefaultSampler``.

    Args:
        dataset (Sized): A dataset whose ``get_data_info(i)['img_path']``
            names the frame (mmseg's datasets, mmengine's ``ConcatDataset``).
        shuffle (bool): Must be True (the draw is random); kept so that a
            config overriding ``DefaultSampler``'s type merges.
        seed (int, optional): As ``DefaultSampler``'s.
        round_up (bool): As ``DefaultSampler``'s.
    """

    def __init__(self,
                 dataset: Sized,
                 shuffle: bool = True,
                 seed: Optional[int] = None,
                 round_up: bool = True) -> None:
        if not shuffle:
            raise ValueError('SequenceBalancedSampler draws at random: '
                             'train_dataloader.sampler.shuffle must be True')
        super().__init__(dataset, shuffle=True, seed=seed, round_up=round_up)
        sequences = [
            sequence_of(dataset.get_data_info(i)['img_path'])
            for i in range(len(dataset))
        ]
        if not sequences:
            raise ValueError('SequenceBalancedSampler: the dataset is empty')
        self.sequence_frames: Dict[str, int] = dict(
            sorted(Counter(sequences).items()))
        self.weights = torch.tensor(
            [1.0 / self.sequence_frames[s] for s in sequences],
            dtype=torch.float64)
        frames = ', '.join(f'{s} {n}' for s, n in self.sequence_frames.items())
        print_log(f'SequenceBalancedSampler: frames per sequence {frames}; '
                  f'each sequence 1/{len(self.sequence_frames)} of the '
                  f'{len(dataset)} draws of an epoch', logger='current')

    def __iter__(self) -> Iterator[int]:
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        indices = torch.multinomial(self.weights, self.total_size,
                                    replacement=True,
                                    generator=generator).tolist()
        return iter(indices[self.rank:self.total_size:self.world_size])
