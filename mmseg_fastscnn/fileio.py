"""Files written whole or not at all, with a named error on a full disk."""
import contextlib
import errno
import json
import os
import os.path as osp
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from mmengine.fileio import LocalBackend, register_backend


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
def atomic_path(path: str, tmp: Optional[str] = None,
                what: str = '') -> Iterator[str]:
    """Yield a temporary path to write (``tmp``, by default
    :func:`temporary_name`); on success it is renamed to ``path``; on any
    error it is removed, so ``path`` is either the whole new file or what it
    was before. OS errors become :class:`DiskWriteError` naming ``what``
    (e.g. 'checkpoint ': then also the folder left untouched) and
    ``path``."""
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = tmp or temporary_name(path)
    try:
        yield tmp
        if not osp.isfile(tmp):
            raise DiskWriteError(errno.EIO, f'nothing was written to {path}')
        os.replace(tmp, path)
    except OSError as error:
        if isinstance(error, DiskWriteError):
            raise
        message = f'could not write {what}{path}: ' + (
            os.strerror(error.errno) if error.errno else str(error))
        if what:  # a run's file: what the user can do about it
            message += (f'; the files already in {folder} are untouched: '
                        'free space and resume')
        raise DiskWriteError(error.errno, message) from error
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """mmengine's ``LocalBackend`` whose ``put`` / ``put_text`` write
    ``<file>.tmp``, fsync it and rename it into place.

    Why: ``LocalBackend`` writes in place, so a kill or a full disk
    mid-write leaves a torn file under the final name (a checkpoint that
    no longer loads). Here a file is whole or absent at any moment, and a
    failed write raises :class:`DiskWriteError` naming the file. Chosen by
    ``backend_args=dict(backend='atomic_local')``, as the configs'
    ``default_hooks.checkpoint`` does.
    """
    TMP_SUFFIX = '.tmp'

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        path = str(filepath)
        what = 'checkpoint ' if path.endswith('.pth') else ''
        with atomic_path(path, path + self.TMP_SUFFIX, what) as tmp:
            with open(tmp, 'wb') as f:
                f.write(obj)
                f.flush()
                os.fsync(f.fileno())

    def put_text(self, obj: str, filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        self.put(obj.encode(encoding), filepath)


def write_json(path: str, obj: Any, indent: Optional[int] = 2) -> None:
    """``json.dump`` to ``path``, whole or not at all (:func:`atomic_path`)."""
    with atomic_path(path) as tmp, open(tmp, 'w') as f:
        json.dump(obj, f, indent=indent)
