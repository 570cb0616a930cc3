"""What our tools' runs print: the environment, config and hook-order
dumps in the log file only, and a CPU-only run described as one.

Why: mmengine's Runner logs about 475 lines of environment, config and hook
order to the terminal first (a failing run's error came after them), and
calls a CPU process "GPU number: 1". The dumps are logged while the Runner
is built, before any hook exists, so our tools build a Runner whose public
``build_logger`` adds console filters (:class:`ToolRunner`); the configs
keep mmengine's stock Runner for every other tool.
"""
import logging
import re

import torch
from mmengine.runner import Runner

from ..utils.toolbox_noise import DropLines, quiet_logger

ENV_DUMP = '\n' + '-' * 60 + '\nSystem environment:'
CONFIG_DUMP = 'Config:\n'
HOOK_ORDER = 'Hooks will be executed in the following order'


class CpuWording(logging.Filter):
    """On a logger: in the environment dump of a machine without CUDA,
    ``GPU number: N`` reads ``processes: N (CPU, no GPU)``."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.msg
        if (isinstance(message, str) and message.startswith(ENV_DUMP)
                and not torch.cuda.is_available()):
            record.msg = re.sub(r'GPU number: (\d+)',
                                r'processes: \1 (CPU, no GPU)', message)
        return True


def keep_dumps_in_file(logger: logging.Logger) -> None:
    """Install :class:`CpuWording` on ``logger`` and, on its console
    handlers, a filter that drops the environment, config and hook-order
    dumps (the log file keeps them); once."""
    if not any(isinstance(f, CpuWording) for f in logger.filters):
        logger.addFilter(CpuWording())
    for handler in logger.handlers:
        if isinstance(handler, logging.FileHandler) or not isinstance(
                handler, logging.StreamHandler):
            continue
        if not any(isinstance(f, DropLines) for f in handler.filters):
            handler.addFilter(DropLines((ENV_DUMP, CONFIG_DUMP, HOOK_ORDER)))


class ToolRunner(Runner):
    """mmengine's Runner with :func:`keep_dumps_in_file` and the toolbox's
    known log noise dropped (:func:`quiet_logger`) on its logger; nothing
    else differs. Built by ``tools/train.py`` and ``tools/test.py`` when the
    config names no ``runner_type``."""

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        keep_dumps_in_file(logger)
        quiet_logger(logger)
        return logger
