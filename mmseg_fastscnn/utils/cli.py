"""Command-line helpers: sizes, and one-line errors for expected mistakes."""
import argparse
import os
import os.path as osp
import sys
import traceback
from typing import Callable, Tuple, Type

from ..datasets.integrity import DataIntegrityError
from ..checkpoint import UnsafeCheckpointError
from ..fileio import DiskWriteError
from .config_utils import ConfigKeyError
from .toolbox_noise import toolbox_noise_quieted


def parse_size(text: str) -> Tuple[int, int]:
    """'360x480' -> (360, 480): an image size as HxW for argparse."""
    try:
        h, w = (int(v) for v in text.lower().split('x'))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f'size must be HxW, e.g. 360x480; got {text!r}') from None
    if h < 1 or w < 1:
        raise argparse.ArgumentTypeError(
            f'size must be HxW with both > 0, e.g. 360x480; got {text!r}')
    return h, w


PLUGIN_ERRORS = (FileNotFoundError, ConfigKeyError, DataIntegrityError,
                 UnsafeCheckpointError, FloatingPointError, DiskWriteError)


def expected_errors() -> Tuple[Type[BaseException], ...]:
    """Errors caused by input (files, config), not by bugs."""
    return PLUGIN_ERRORS + (ValueError, KeyError, TypeError)


def run_cli(main: Callable[[], object]) -> None:
    """Run ``main`` with the toolbox's known noise quieted
    (:func:`toolbox_noise_quieted`); print an expected error as one line
    and exit 1.

    Set ``MMSEG_FASTSCNN_DEBUG=1`` to get the full traceback instead.
    """
    if os.environ.get('MMSEG_FASTSCNN_DEBUG'):
        with toolbox_noise_quieted():
            main()
        return
    try:
        with toolbox_noise_quieted():
            main()
    except expected_errors() as error:
        message = str(error)
        if isinstance(error, KeyError) and not isinstance(
                error, ConfigKeyError) and error.args:
            message = str(error.args[0])
        where = ''
        if not isinstance(error, PLUGIN_ERRORS):
            # a generic error type may also come from a bug: say where
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = (f' (raised in {osp.basename(frame.filename)}:'
                     f'{frame.lineno}; MMSEG_FASTSCNN_DEBUG=1 shows the '
                     'traceback)')
        print(f'error: {type(error).__name__}: {message}{where}',
              file=sys.stderr)
        sys.exit(1)
