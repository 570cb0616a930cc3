"""Expected mistakes get one line on stderr and exit 1."""
import argparse

import pytest

from mmseg_fastscnn.utils import parse_size, run_cli


def raise_(error):
    def main():
        raise error
    return main


def test_plugin_error_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        run_cli(raise_(FileNotFoundError('checkpoint not found: x.pth')))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert err == 'error: FileNotFoundError: checkpoint not found: x.pth\n'


def test_generic_error_says_where_it_was_raised(capsys):
    with pytest.raises(SystemExit):
        run_cli(raise_(ValueError('bad value')))
    err = capsys.readouterr().err
    assert err.startswith('error: ValueError: bad value (raised in '
                          'test_cli.py:')
    assert 'MMSEG_FASTSCNN_DEBUG=1' in err and err.count('\n') == 1


def test_bugs_keep_their_traceback():
    with pytest.raises(ZeroDivisionError):
        run_cli(lambda: 1 / 0)


def test_debug_variable_shows_the_traceback(monkeypatch):
    monkeypatch.setenv('MMSEG_FASTSCNN_DEBUG', '1')
    with pytest.raises(ValueError, match='bad value'):
        run_cli(raise_(ValueError('bad value')))


def test_parse_size():
    assert parse_size('360x480') == (360, 480)
    assert parse_size('540X720') == (540, 720)
    for bad in ('360', '360x', 'axb', '1x2x3'):
        with pytest.raises(argparse.ArgumentTypeError, match='HxW'):
            parse_size(bad)
