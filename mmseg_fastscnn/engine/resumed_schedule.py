"""Schedulers compared with a checkpoint's and set as an unbroken run of
the config's schedule would have them (``ResumedScheduleHook``)."""
import copy
import math
import warnings
from typing import Any, List, Sequence

# what a scheduler's ``state_dict`` holds about its progress, not its
# shape; its underscored entries (derived values) are not compared either
PROGRESS_KEYS = frozenset(('last_step', 'verbose'))


def flat_states(saved: Any) -> List[Any]:
    """A checkpoint's (or runner's) ``param_schedulers`` as one list (several
    optimizers: in key order)."""
    if isinstance(saved, dict):
        return [s for key in sorted(saved) for s in saved[key]]
    return list(saved or [])


def flat_schedulers(param_schedulers: Any) -> List[Any]:
    """The runner's built schedulers as one list; [] while they are config
    dicts."""
    flat = flat_states(param_schedulers)
    built = all(hasattr(s, 'step') and hasattr(s, 'optimizer') for s in flat)
    return flat if built else []


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return (isinstance(a, (int, float)) and isinstance(b, (int, float))
                and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return a == b


def schedule_changes(saved: Sequence[dict], fresh: Sequence[dict],
                     names: Sequence[str]) -> List[str]:
    """What differs between the saved scheduler states and the ``fresh``
    states of the config's schedulers (``names``: their types), e.g.
    ``['OneCycleLR end 68 -> 102']``; [] when only their progress does."""
    if len(saved) != len(fresh):
        return [f'{len(saved)} scheduler(s) -> {len(fresh)}']
    changes = []
    for state, new, name in zip(saved, fresh, names):
        for key in sorted(set(state) | set(new)):
            if (key in PROGRESS_KEYS or key.startswith('_')
                    or callable(new.get(key))):
                continue
            if not _same(state.get(key), new.get(key)):
                changes.append(f'{name} {key} {state.get(key)!r} -> '
                               f'{new.get(key)!r}')
    return changes


def snapshot(schedulers: Sequence[Any]) -> list:
    """The schedulers' states and their optimizers' hyperparameters, for
    :func:`restart`."""
    optimizers = {id(s.optimizer): s.optimizer for s in schedulers}
    groups = {
        key: [{k: copy.deepcopy(v) for k, v in g.items() if k != 'params'}
              for g in optimizer.param_groups]
        for key, optimizer in optimizers.items()
    }
    return [[copy.deepcopy(s.state_dict()) for s in schedulers], groups]


def restart(schedulers: Sequence[Any], fresh: list, iters: int,
            epochs: int, epoch_length: int) -> None:
    """Reset ``schedulers`` and their hyperparameters to the ``fresh``
    :func:`snapshot`, then step them as ``ParamSchedulerHook`` would over
    ``iters`` iterations and ``epochs`` epochs of ``epoch_length``; the
    optimizers' moments stay as loaded."""
    states, groups = fresh
    for scheduler, state in zip(schedulers, states):
        scheduler.load_state_dict(copy.deepcopy(state))
        for group, values in zip(scheduler.optimizer.param_groups,
                                 groups[id(scheduler.optimizer)]):
            group.update(copy.deepcopy(values))
    by_iter = [s for s in schedulers if not s.by_epoch]
    by_epoch = [s for s in schedulers if s.by_epoch]
    epochs_done = 0
    with warnings.catch_warnings():
        # no optimizer step yet in this process: mmengine's order check
        warnings.filterwarnings('ignore', 'Detected call of `scheduler.step')
        for step in range(iters):
            for scheduler in by_iter:
                scheduler.step()
            if (step + 1) % max(epoch_length, 1) == 0 and epochs_done < epochs:
                epochs_done += 1
                for scheduler in by_epoch:
                    scheduler.step()
        for _ in range(epochs - epochs_done):
            for scheduler in by_epoch:
                scheduler.step()
