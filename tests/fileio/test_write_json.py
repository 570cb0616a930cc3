"""mmseg_fastscnn.fileio.write_json: every JSON report the tools and hooks
write is whole or not there; a previous run's file survives a failed
write."""
import errno
import json
import os

import pytest

from mmseg_fastscnn import fileio
from mmseg_fastscnn.fileio import DiskWriteError, write_json


def test_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'report.json'
    write_json(str(path), dict(mIoU=1.5))
    write_json(str(path), dict(mIoU=2.5), indent=None)
    assert path.read_text() == '{"mIoU": 2.5}'
    assert os.listdir(path.parent) == ['report.json']


def test_disk_fills_mid_write(tmp_path, monkeypatch):
    """Half the JSON is written, then the disk is full: a one-line error
    naming the file, the old report unchanged, no temporary left."""
    path = tmp_path / 'test_metrics.json'
    write_json(str(path), dict(mIoU=68.17))
    before = path.read_text()

    def dump_half(obj, f, **kwargs):
        f.write('{"mIoU": ')
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(fileio.json, 'dump', dump_half)
    with pytest.raises(DiskWriteError) as error:
        write_json(str(path), dict(mIoU=1.0))
    assert str(error.value) == (f'could not write {path}: '
                                'No space left on device')
    assert path.read_text() == before
    assert os.listdir(tmp_path) == ['test_metrics.json']


def test_unserialisable_value_leaves_old_file(tmp_path):
    path = tmp_path / 'summary.json'
    write_json(str(path), [1, 2])
    with pytest.raises(TypeError, match='not JSON serializable'):
        write_json(str(path), dict(bad=object()))
    assert json.loads(path.read_text()) == [1, 2]
    assert os.listdir(tmp_path) == ['summary.json']
