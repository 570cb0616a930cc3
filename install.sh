#!/usr/bin/env bash
# One-command set-up on a fresh machine (CPU): torch, mmcv built from source
# (about 12-20 minutes on 2 cores the first time; pip caches the wheel), mmengine,
# mmsegmentation, this plugin (editable) and the test tools.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}

# torch 2.13.0, pinned (mmcv below is compiled against it). On Linux x86 pip's
# default torch is the CUDA build (GBs of CUDA libraries); for the CPU build,
# run first: pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu
# (this line then finds it installed and keeps it).
# setuptools: mmcv's setup.py and mmengine's `mmseg::` configs need
# pkg_resources (gone from setuptools 81), torch 2.13 needs >= 77.0.3.
$PY -m pip install torch==2.13.0 "setuptools>=77.0.3,<81" wheel ninja

# mmseg imports mmcv.ops, so mmcv-lite will not do; no wheel exists for this
# torch, so build the full mmcv from its sdist unless it is already there.
if ! $PY -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '2.1.0'" \
        >/dev/null 2>&1; then
    MAX_JOBS=${MAX_JOBS:-2} $PY -m pip install --no-build-isolation mmcv==2.1.0
fi

$PY -m pip install -r requirements.txt -r requirements-tests.txt
$PY -m pip install --no-build-isolation --no-deps -e .
$PY -c "import mmseg_fastscnn, mmcv.ops; print('mmseg-fastscnn', mmseg_fastscnn.__version__, 'ready')"
