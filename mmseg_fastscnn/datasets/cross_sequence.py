"""CamVid cross-sequence folds: train on some sequences, validate on another.

CamVid's val split (101 frames) is one stretch of sequence 0016E5, which also
gives 204 of the 367 train frames, so val rewards remembering 0016E5. A fold
holds one sequence out of training and validates on it.
"""
import os.path as osp
from typing import List

from mmseg.registry import DATASETS
from .camvid import CamVidDataset, sequence_of
from .integrity import list_stems

FOLD_ROLES = ('train', 'val')


@DATASETS.register_module()
class CamVidCrossSequenceDataset(CamVidDataset):
    """One side of a cross-sequence fold of CamVid.

    - ``role='train'``: the train split's frames of every sequence but
      ``held_out``.
    - ``role='val'``: the frames of ``held_out`` in the train and val splits,
      plus the val split's other frames (in-sequence val, never trained on
      either), so that one validation reports both; ``SegReportMetric``'s
      ``headline_sequences=held_out`` makes the held-out sequence the score
      that selects checkpoints.

    Args:
        held_out (str): The sequence left out of training, e.g. '0006R0'.
        role (str): 'train' or 'val'.
        train_prefix (dict): Folders of the train split, relative to
            ``data_root``. Default: train / trainannot.
        val_prefix (dict): Folders of the val split. Default: val / valannot.
        **kwargs: Passed to :class:`CamVidDataset` (``data_root``,
            ``pipeline``...); ``data_prefix`` and ``sequences`` are set here.
    """

    def __init__(self,
                 held_out: str,
                 role: str,
                 train_prefix: dict = dict(
                     img_path='train', seg_map_path='trainannot'),
                 val_prefix: dict = dict(
                     img_path='val', seg_map_path='valannot'),
                 **kwargs) -> None:
        if role not in FOLD_ROLES:
            raise ValueError(f'role must be one of {FOLD_ROLES}, got {role!r}')
        if not isinstance(held_out, str) or not held_out:
            raise ValueError('held_out must name one CamVid sequence, e.g. '
                             f"'0006R0'; got {held_out!r}")
        for name in ('data_prefix', 'sequences'):
            if kwargs.pop(name, None) is not None:
                raise ValueError(f'{type(self).__name__} sets {name} itself '
                                 '(from held_out and role); remove it')
        self.held_out = held_out
        self.role = role
        self.split_prefixes = (dict(train_prefix), dict(val_prefix))
        super().__init__(data_prefix=dict(train_prefix), **kwargs)

    def _parts(self) -> List[tuple]:
        """(split prefix, sequences to take from it) for this role."""
        train, val = self.split_prefixes
        train_seqs = self._split_sequences(train)
        if self.held_out not in train_seqs + self._split_sequences(val):
            raise ValueError(
                f'held_out sequence {self.held_out!r} has no frames in '
                f'{self.data_root} (train holds {", ".join(train_seqs)})')
        if self.role == 'train':
            kept = [s for s in train_seqs if s != self.held_out]
            if not kept:
                raise ValueError(f'holding out {self.held_out} leaves no '
                                 'train frames')
            return [(train, kept)]
        parts = [(val, None)]
        if self.held_out in train_seqs:
            parts.insert(0, (train, [self.held_out]))
        return parts

    def _split_sequences(self, prefix: dict) -> List[str]:
        folder = osp.join(self.data_root or '', prefix['img_path'])
        return sorted({sequence_of(s) for s in
                       list_stems(folder, self.img_suffix)})

    def load_data_list(self) -> List[dict]:
        """The frames of every part, each split checked as CamVidDataset
        checks one."""
        if self.data_root is not None and not osp.isdir(self.data_root):
            return super().load_data_list()  # its data_root error
        data_list = []
        for prefix, sequences in self._parts():
            self.data_prefix = {
                k: osp.join(self.data_root or '', v)
                for k, v in prefix.items()
            }
            self.sequences = None if sequences is None else tuple(sequences)
            data_list += super().load_data_list()
        return data_list
