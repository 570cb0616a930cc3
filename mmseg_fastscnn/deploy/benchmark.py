"""Latency, throughput and memory measurements with a baseline in the same
process, alternating runs (no timings in tests: see tools/analysis)."""
import copy
import os.path as osp
import resource
import statistics
import time
from typing import Callable, Dict, List, Tuple

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.model import revert_sync_batchnorm
from mmengine.structures import PixelData

from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

MMSEG_FASTSCNN = 'mmseg/.mim/configs/_base_/models/fast_scnn.py'


def build_mmseg_fastscnn(num_classes: int) -> nn.Module:
    """mmseg's own Fast-SCNN as its base config ships it (aux heads, sigmoid
    CE), for ``num_classes``, SyncBN reverted to BN for one process."""
    import mmseg
    path = osp.join(osp.dirname(osp.dirname(mmseg.__file__)), MMSEG_FASTSCNN)
    cfg = Config.fromfile(path).model
    cfg.decode_head.num_classes = num_classes
    for aux in cfg.auxiliary_head:
        aux.num_classes = num_classes
    return revert_sync_batchnorm(MODELS.build(cfg))


def predict_fn(segmentor: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """mmseg's inference as users call it: ``predict`` with data samples
    (resize to the original shape, argmax) -> labels (N, H, W)."""
    segmentor.eval()

    def run(x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        samples = [
            SegDataSample(
                metainfo=dict(img_shape=(h, w), ori_shape=(h, w),
                              pad_shape=(h, w))) for _ in range(x.shape[0])
        ]
        out = segmentor.predict(x, samples)
        return torch.stack([s.pred_sem_seg.data[0] for s in out])

    return run


def time_alternating(systems: Dict[str, Callable[[], object]],
                     warmup: int = 3,
                     iters: int = 10,
                     repeats: int = 5,
                     inference: bool = True) -> Dict[str, dict]:
    """Time each callable ``iters`` times per round, ``repeats`` rounds,
    alternating between systems so that drift hits all of them alike.

    Runs under ``torch.inference_mode`` unless ``inference`` is False
    (training steps). Returns per system: median and p90 latency (ms), fps.
    """
    samples: Dict[str, List[float]] = {name: [] for name in systems}
    with torch.inference_mode(inference):
        for fn in systems.values():
            for _ in range(warmup):
                fn()
        for _ in range(repeats):
            for name, fn in systems.items():
                for _ in range(iters):
                    start = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - start)
    stats = {}
    for name, values in samples.items():
        ms = sorted(v * 1000 for v in values)
        median = statistics.median(ms)
        stats[name] = dict(
            median_ms=round(median, 3),
            p90_ms=round(float(np.percentile(ms, 90)), 3),
            fps=round(1000.0 / median, 2),
            n=len(ms))
    return stats


def train_step_fn(segmentor: nn.Module, batch: int,
                  size: Tuple[int, int],
                  num_classes: int) -> Callable[[], None]:
    """One full training step (forward, losses, backward, AdamW step) on a
    fixed random batch; labels include ignored pixels."""
    model = copy.deepcopy(segmentor).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(batch, 3, *size, generator=g)
    samples = []
    for _ in range(batch):
        label = torch.randint(0, num_classes, (1, *size), generator=g)
        label[:, :8] = 255
        s = SegDataSample(metainfo=dict(img_shape=size, pad_shape=size))
        s.gt_sem_seg = PixelData(data=label)
        samples.append(s)

    def step() -> None:
        losses = model.loss(x, samples)
        loss = sum(v for k, v in losses.items() if 'loss' in k)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    return step


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MiB, Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _status_mb(field: str) -> float:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024.0
    raise KeyError(field)


def measure_peak_memory(fn: Callable[[], object],
                        runs: int = 3) -> Dict[str, float]:
    """Peak resident memory while ``fn`` runs (Linux): the kernel's
    high-water mark is reset first (``/proc/self/clear_refs``), so imports
    and set-up do not count. Returns the peak and the rise above the
    resident memory before the first run, in MiB."""
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')
    base = _status_mb('VmRSS')
    with torch.inference_mode():
        for _ in range(runs):
            fn()
    peak = _status_mb('VmHWM')
    return dict(peak_mb=round(peak, 1), rise_mb=round(peak - base, 1))


def ratios(stats: Dict[str, dict], baseline: str,
           key: str = 'median_ms') -> Dict[str, float]:
    """baseline / system for latencies (> 1: the system is faster)."""
    base = stats[baseline][key]
    return {
        name: round(base / s[key], 3)
        for name, s in stats.items() if name != baseline
    }


def ort_fn(session, x: np.ndarray) -> Callable[[], object]:
    name = session.get_inputs()[0].name
    return lambda: session.run(None, {name: x})


def describe_machine() -> Dict[str, object]:
    import os
    import platform
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    return dict(
        cpu=cpu,
        cores=os.cpu_count(),
        torch=torch.__version__,
        torch_threads=torch.get_num_threads())


__all__ = [
    'build_mmseg_fastscnn', 'predict_fn', 'time_alternating',
    'train_step_fn', 'peak_rss_mb', 'measure_peak_memory', 'ratios', 'ort_fn', 'describe_machine'
]
