"""Expected mistakes get one line on stderr and exit 1; the command-line
layer (mmseg_fastscnn.cli) sits on top of the package."""
import argparse
import ast
import glob
import os.path as osp

import pytest

from mmseg_fastscnn.utils import parse_size, run_cli
from tests.utils import ROOT


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


def test_nothing_in_the_package_imports_its_cli_layer():
    """mmseg_fastscnn.cli imports the other subpackages; none of them (nor
    the package's __init__) imports it back."""
    package = osp.join(ROOT, 'mmseg_fastscnn')
    importers = []
    for path in glob.glob(osp.join(package, '**', '*.py'), recursive=True):
        rel = osp.relpath(path, ROOT)
        if rel.startswith(osp.join('mmseg_fastscnn', 'cli') + osp.sep):
            continue
        parts = osp.dirname(rel).split(osp.sep)  # the module's package
        for node in ast.walk(ast.parse(open(path).read())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = parts[:len(parts) - node.level + 1] if node.level \
                    else []
                module = '.'.join(base + ([node.module] if node.module
                                          else []))
                names = [module] + [f'{module}.{alias.name}'
                                    for alias in node.names]
            else:
                continue
            if any(n == 'mmseg_fastscnn.cli'
                   or n.startswith('mmseg_fastscnn.cli.') for n in names):
                importers.append(f'{rel}:{node.lineno}')
    assert len(glob.glob(osp.join(package, 'cli', '*.py'))) > 8
    assert importers == []
