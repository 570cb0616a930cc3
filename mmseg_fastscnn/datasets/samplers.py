"""A batch sampler that never yields a training batch of one sample."""
from typing import Iterator, List

from mmseg.registry import DATA_SAMPLERS
from torch.utils.data import BatchSampler, Sampler


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
