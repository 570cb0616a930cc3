"""Integrity checks for image/label pairs, each problem named by its file."""
import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import List, Optional, Sequence, Set, Tuple

import numpy as np
from PIL import Image


@dataclass(frozen=True)
class DataProblem:
    """One problem with one file."""
    path: str
    reason: str

    def __str__(self) -> str:
        return f'{self.path}: {self.reason}'


class DataIntegrityError(ValueError):
    """Bad data files; ``problems`` lists them (one line per file)."""

    problems: List[DataProblem] = []
    where: str = ''

    @classmethod
    def from_problems(cls, problems: Sequence[DataProblem], where: str,
                      dataset_key: Optional[str] = None
                      ) -> 'DataIntegrityError':
        """``dataset_key``: the dataset's config key (e.g.
        ``train_dataloader.dataset``), to show the option that skips."""
        lines = '\n'.join(f'  - {p}' for p in problems)
        skip = (f'--cfg-options {dataset_key}.bad_data=skip' if dataset_key
                else "the dataset's bad_data='skip'")
        error = cls(
            f'{len(problems)} problem(s) in {where}:\n{lines}\n'
            f'Fix or remove these files, or pass {skip} to drop the bad '
            'pairs with a warning.')
        error.problems = list(problems)
        error.where = where
        return error


def list_stems(folder: str, suffix: str) -> List[str]:
    """File names in ``folder`` (recursively) ending in ``suffix``, without it.

    Raises FileNotFoundError naming the folder when it does not exist.
    """
    if not osp.isdir(folder):
        raise FileNotFoundError(f'data folder not found: {folder}')
    stems = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name.endswith(suffix):
                rel = osp.relpath(osp.join(root, name), folder)
                stems.append(rel[:-len(suffix)])
    return sorted(stems)


def _open_fully(path: str) -> Tuple[Optional[Image.Image], Optional[str]]:
    try:
        img = Image.open(path)
        img.load()
        return img, None
    except Exception as e:  # PIL raises several types for broken files
        return None, f'unreadable or truncated ({type(e).__name__}: {e})'


LOSSY_FORMATS = ('JPEG', 'MPO', 'WEBP')


def check_pair(img_path: str, seg_path: str,
               max_label: int) -> List[DataProblem]:
    """Decode one image and its label map fully and report what is wrong.

    Checks: both readable (not truncated), image is RGB, label map is
    8-bit single-channel in a lossless format (a JPEG named .png is caught
    by its content), same height and width, labels in [0, max_label].
    """
    problems = []
    img, err = _open_fully(img_path)
    if err:
        problems.append(DataProblem(img_path, err))
    elif img.mode != 'RGB':
        channels = len(img.getbands())
        problems.append(
            DataProblem(
                img_path, f'image must be 3-channel RGB, got mode '
                f'{img.mode!r} ({channels} channel(s))'))
    seg, err = _open_fully(seg_path)
    if err:
        problems.append(DataProblem(seg_path, err))
    elif seg.format in LOSSY_FORMATS:
        problems.append(
            DataProblem(
                seg_path, f'label map is a {seg.format} file (lossy: '
                'compression changes labels, whatever the file name says); '
                'labels need a lossless format such as PNG'))
    elif seg.mode not in ('L', 'P'):
        problems.append(
            DataProblem(
                seg_path,
                f'label map must be 8-bit single-channel, got mode '
                f'{seg.mode!r} (colour-coded labels: convert them with '
                'tools/dataset_converters/camvid.py)'))
    else:
        labels = np.asarray(seg)
        bad = np.unique(labels[labels > max_label])
        if bad.size:
            shown = ', '.join(str(int(v)) for v in bad[:10])
            problems.append(
                DataProblem(seg_path, f'label values outside 0..{max_label}: '
                            f'{shown}'))
    if img is not None and seg is not None and img.size != seg.size:
        problems.append(
            DataProblem(
                seg_path, f'size {seg.size[1]}x{seg.size[0]} (HxW) differs '
                f'from its image {img_path} {img.size[1]}x{img.size[0]}'))
    return problems


def find_pairs(img_dir: str, seg_dir: str, img_suffix: str,
               seg_suffix: str) -> Tuple[List[Tuple[str, str]],
                                         List[DataProblem]]:
    """Pair images and label maps by name; report orphans on both sides."""
    img_stems = list_stems(img_dir, img_suffix)
    seg_stems = set(list_stems(seg_dir, seg_suffix))
    pairs, problems = [], []
    for stem in img_stems:
        img_path = osp.join(img_dir, stem + img_suffix)
        seg_path = osp.join(seg_dir, stem + seg_suffix)
        if stem in seg_stems:
            pairs.append((img_path, seg_path))
        else:
            problems.append(
                DataProblem(img_path, f'image without label map (expected '
                            f'{seg_path})'))
    for stem in sorted(seg_stems - set(img_stems)):
        problems.append(
            DataProblem(
                osp.join(seg_dir, stem + seg_suffix),
                f'label map without image (expected '
                f'{osp.join(img_dir, stem + img_suffix)})'))
    return pairs, problems


# pairs found whole in this process, by (paths, sizes, mtimes, max_label):
# a tool checks its splits before the Runner builds them again
_WHOLE: Set[tuple] = set()


def _fingerprint(pair: Tuple[str, str], max_label: int) -> Optional[tuple]:
    try:
        stats = [os.stat(path) for path in pair]
    except OSError:
        return None
    return (*pair, max_label,
            *[(st.st_size, st.st_mtime_ns, st.st_ino) for st in stats])


def check_pairs(pairs: Sequence[Tuple[str, str]],
                max_label: int,
                num_workers: int = 4) -> List[DataProblem]:
    """Run :func:`check_pair` over ``pairs`` in threads; problems in order.
    A pair found whole before in this process, unchanged since (size,
    mtime, inode), is not decoded again."""
    def check(pair):
        key = _fingerprint(pair, max_label)
        if key is not None and key in _WHOLE:
            return []
        problems = check_pair(pair[0], pair[1], max_label)
        if key is not None and not problems:
            _WHOLE.add(key)
        return problems

    with ThreadPoolExecutor(max_workers=max(1, num_workers)) as pool:
        results = pool.map(check, pairs)
        return [problem for result in results for problem in result]
