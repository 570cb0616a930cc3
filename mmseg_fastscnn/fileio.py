"""Files written whole or not at all, with a named error on a full disk."""
import contextlib
import errno
import json
import os
import os.path as osp
from typing import Any, Iterator, Optional


class DiskWriteError(OSError):
    """A file could not be written (full disk, no permission...); nothing is
    left under its name."""

    def __str__(self) -> str:  # the message, without OSError's [Errno N]
        return self.strerror or super().__str__()


def temporary_name(path: str) -> str:
    """Hidden sibling of ``path`` with the same suffix (cv2 and numpy pick
    the format from it): ``d/x.png`` -> ``d/.x.png.tmp.png``."""
    folder, name = osp.split(path)
    return osp.join(folder, f'.{name}.tmp{osp.splitext(name)[1]}')


@contextlib.contextmanager
def atomic_path(path: str) -> Iterator[str]:
    """Yield a temporary path to write; on success it is renamed to
    ``path``; on any error it is removed, so ``path`` is either the whole
    new file or what it was before. OS errors become :class:`DiskWriteError`
    naming ``path``."""
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    tmp = temporary_name(path)
    try:
        yield tmp
        if not osp.isfile(tmp):
            raise DiskWriteError(errno.EIO, f'nothing was written to {path}')
        os.replace(tmp, path)
    except OSError as error:
        if isinstance(error, DiskWriteError):
            raise
        raise DiskWriteError(
            error.errno, f'could not write {path}: '
            f'{os.strerror(error.errno) if error.errno else error}') from error
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def write_json(path: str, obj: Any, indent: Optional[int] = 2) -> None:
    """``json.dump`` to ``path``, whole or not at all (:func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        json.dump(obj, f, indent=indent)
