"""Importing the plugin registers its components and changes nothing else in
the process: checked in a fresh interpreter, for a plain import and for a
config's ``custom_imports``."""
import json
import subprocess
import sys

import pytest

from tests.utils import CONFIG, ROOT, env

# what the process looks like: mmengine's checkpoint loader schemes and file
# backend prefixes, Python's warning filters, every logger's and handler's
# filters, torch's weights-only allow-list and the environment
STATE = r'''
import json, logging, os, sys, warnings
import torch, mmengine, mmseg, mmseg.models, mmseg.datasets  # noqa: F401
from mmengine.config import Config
from mmengine.fileio.backends import registry_utils
from mmengine.logging import MMLogger
from mmengine.runner import CheckpointLoader


def loggers():
    named = dict(logging.root.manager.loggerDict)
    named.update(MMLogger._instance_dict)
    named['<root>'] = logging.root
    out = {}
    for name, logger in named.items():
        if isinstance(logger, logging.Logger):
            out[name] = [repr(f) for f in logger.filters] + [
                repr(f) for h in logger.handlers for f in h.filters]
    return out


def state():
    return dict(
        schemes={k: repr(v) for k, v in CheckpointLoader._schemes.items()},
        prefixes={k: repr(v)
                  for k, v in registry_utils.prefix_to_backends.items()},
        warnings=[repr(f) for f in warnings.filters],
        loggers=loggers(),
        safe_globals=[repr(g) for g in
                      torch.serialization.get_safe_globals()],
        environ=dict(os.environ))


# mmengine's own default logger, which mmengine creates (with its own
# duplicate-warning filter) the first time it logs, e.g. when a config
# reads an environment variable such as CAMVID_ROOT
MMLogger.get_current_instance()
before = state()
if sys.argv[1] == 'import':
    import mmseg_fastscnn  # noqa: F401
else:
    Config.fromfile(sys.argv[2])  # custom_imports=['mmseg_fastscnn']
assert 'mmseg_fastscnn' in sys.modules
after = state()
print(json.dumps(dict(before=before, after=after)))
'''


@pytest.mark.parametrize('how', ['import', 'config'])
def test_import_changes_nothing_but_the_registries(how):
    proc = subprocess.run(
        [sys.executable, '-c', STATE, how, CONFIG], cwd=ROOT, env=env(),
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    states = json.loads(proc.stdout.strip().splitlines()[-1])
    before, after = states['before'], states['after']
    for key in before:
        if key == 'loggers':  # loggers created on import start filterless
            changed = {
                name: filters for name, filters in after[key].items()
                if filters != before[key].get(name, [])
            }
            assert not changed, changed
        else:
            assert after[key] == before[key], key
    # and the registries did change: the components are there
    check = subprocess.run(
        [sys.executable, '-c', 'import mmseg_fastscnn; '
         'from mmseg.registry import MODELS, HOOKS; '
         'from mmengine.fileio.backends import backends; '
         'assert MODELS.get("FastSCNNPaper") and '
         'HOOKS.get("SafeCheckpointHook") and "atomic_local" in backends'],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=300)
    assert check.returncode == 0, check.stderr[-2000:]
