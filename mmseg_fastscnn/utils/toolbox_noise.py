"""Warnings the toolbox prints on correct use of this plugin, silenced by
name, each with the reason it cannot be fixed here, in our tools' own scope
only (:func:`toolbox_noise_quieted`); importing the package installs
nothing, and everything else still warns."""
import contextlib
import logging
import re
import warnings
from typing import Iterator, Tuple

# (message start, module that warns, why it cannot be fixed at its cause)
PYTHON_WARNINGS: Tuple[Tuple[str, str, str], ...] = (
    ('``build_loss`` would be deprecated', r'mmseg\.models\.builder',
     "mmseg 1.2.2's own BaseDecodeHead builds its losses with it"),
    ('The draw is False', r'mmseg\.engine\.hooks\.visualization_hook',
     "mmseg's SegVisualizationHook warns whenever it is configured off, as "
     'in every mmseg config; tools/test.py --show-dir turns it on'),
    ('Failed to add <class \'mmengine.visualization.vis_backend.',
     r'mmengine\.visualization\.visualizer',
     "MMSegInferencer builds the config's visualizer without a save_dir; "
     'it writes its own vis/ images'),
    ('`isinstance(treespec, LeafSpec)` is deprecated', r'copyreg',
     "torch 2.13's ONNX exporter calls its own deprecated pytree API"),
)

# (logger name, message start, why)
LOG_LINES: Tuple[Tuple[str, str, str], ...] = (
    ('mmengine', '"FileClient" will be deprecated',
     "mmengine 0.10.7's CheckpointHook builds a FileClient itself"),
    ('mmengine', '"HardDiskBackend" is the alias',
     "mmengine 0.10.7's CheckpointHook builds a FileClient itself"),
    ('mmengine', 'Failed to search registry with scope "mmseg" in the '
     '"function" registry',
     "mmengine's inferencer looks up collate functions in mmseg, which has "
     'no function registry, and falls back to its own as it should'),
    ('torch.onnx._internal.exporter._registration',
     'torchvision is not installed',
     "torch's ONNX exporter lists the torchvision ops it skips; the model "
     'uses none'),
)


class DropLines(logging.Filter):
    """Drops log records whose message starts with one of ``starts``."""

    def __init__(self, starts: Tuple[str, ...]) -> None:
        super().__init__()
        self.starts = starts

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.starts)


def quiet_logger(logger: logging.Logger) -> None:
    """Install the :data:`LOG_LINES` filter for mmengine's messages on an
    mmengine logger (each Runner makes its own), once."""
    starts = tuple(start for name, start, _ in LOG_LINES
                   if name == 'mmengine')
    if not any(isinstance(f, DropLines) for f in logger.filters):
        logger.addFilter(DropLines(starts))


@contextlib.contextmanager
def toolbox_noise_quieted() -> Iterator[None]:
    """Within: :data:`PYTHON_WARNINGS` ignored (``warnings.catch_warnings``
    restores the filters on exit) and :data:`LOG_LINES` dropped from the
    loggers they come from (the filters are removed on exit). What a tool's
    ``main`` runs in (:func:`run_cli`)."""
    added = []
    for name, start, _ in LOG_LINES:
        log_filter = DropLines((start, ))
        if name == 'mmengine':
            from mmengine.logging import MMLogger
            logger = MMLogger.get_instance('mmengine')
        else:
            logger = logging.getLogger(name)
        logger.addFilter(log_filter)
        added.append((logger, log_filter))
    try:
        with warnings.catch_warnings():
            for message, module, _ in PYTHON_WARNINGS:
                warnings.filterwarnings(
                    'ignore', message=re.escape(message), module=module)
            yield
    finally:
        for logger, log_filter in added:
            logger.removeFilter(log_filter)
