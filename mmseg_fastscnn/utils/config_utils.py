"""Config helpers shared by the tools: checked --cfg-options, --fold."""
import difflib
import os.path as osp
from typing import Any, Dict, Iterator, Optional, Tuple

from mmengine.config import Config, ConfigDict
from mmengine.logging import print_log

from ..datasets import CamVidCrossSequenceDataset, CamVidDataset

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# Top-level keys that mmengine's Runner.from_cfg, mmseg and our tools read
# (test_pipeline: mmseg's inference_model, hence tools/infer.py). Any other
# top-level key of a config is a variable of the config file, already
# copied to where it is used when the file was read.
RUNNER_KEYS = frozenset(
    ('model', 'work_dir', 'train_dataloader', 'val_dataloader',
     'test_dataloader', 'train_cfg', 'val_cfg', 'test_cfg', 'auto_scale_lr',
     'optim_wrapper', 'param_scheduler', 'val_evaluator', 'test_evaluator',
     'default_hooks', 'custom_hooks', 'data_preprocessor', 'load_from',
     'resume', 'launcher', 'env_cfg', 'log_processor', 'log_level',
     'visualizer', 'default_scope', 'randomness', 'experiment_name',
     'runner_type', 'custom_imports', 'tta_model', 'tta_pipeline',
     'vis_backends', 'data_root', 'test_pipeline', 'trust_resume',
     # read by Runner.__init__ / wrap_model from the whole config
     'compile', 'find_unused_parameters', 'model_wrapper_cfg', 'sync_bn',
     'activation_checkpointing', 'efficient_conv_bn_eval'))


class ConfigKeyError(KeyError):
    """A ``--cfg-options`` key that the config does not have."""

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return str(self.args[0])


def _paths_named(node: Any, name: str, prefix: str = '') -> list:
    """Dotted paths of every entry called ``name`` below ``node``."""
    found = []
    items = (node.items() if isinstance(node, dict) else enumerate(node)
             if isinstance(node, (list, tuple)) else ())
    for key, value in items:
        path = f'{prefix}{key}'
        if key == name and prefix:
            found.append(path)
        found += _paths_named(value, name, path + '.')
    return found


def _check_key(cfg: Config, dotted: str) -> None:
    """Raise ConfigKeyError unless ``dotted`` names an existing entry, or a
    new leaf of an existing dict whose name is not a near-miss of a key, or
    a Runner key the config leaves out (e.g. ``auto_scale_lr``). Variables
    of the config file (``max_epochs``, ``crop_size``...) are refused: they
    were substituted when the file was read, so setting them changes
    nothing."""
    parts = dotted.split('.')
    node: Any = cfg.to_dict() if isinstance(cfg, Config) else cfg
    top = parts[0]
    if top in node and top not in RUNNER_KEYS:
        uses = _paths_named(node, top)[:3]
        hint = (f'; set where it is used instead, e.g. {", ".join(uses)}'
                if uses else '')
        raise ConfigKeyError(
            f'config key {top!r} is a variable of the config file, already '
            f'substituted where it is used: setting it changes nothing{hint}')
    if top not in node and top in RUNNER_KEYS:
        return
    for depth, part in enumerate(parts):
        where = '.'.join(parts[:depth]) or 'the config'
        is_leaf = depth == len(parts) - 1
        if isinstance(node, (list, tuple)):
            if not part.isdigit() or int(part) >= len(node):
                raise ConfigKeyError(
                    f'unknown config key {dotted!r}: {where} is a list of '
                    f'{len(node)} items, {part!r} is not an index of it')
            node = node[int(part)]
            continue
        if not isinstance(node, dict):
            raise ConfigKeyError(f'unknown config key {dotted!r}: {where} is '
                                 f'a {type(node).__name__}, not a dict')
        if part in node:
            node = node[part]
            continue
        candidates = list(node) + (sorted(RUNNER_KEYS - set(node))
                                   if depth == 0 else [])
        close = difflib.get_close_matches(part, candidates, n=3,
                                          cutoff=0.75)
        if depth == 0 or not is_leaf or close:
            hint = f'; did you mean {", ".join(close)}?' if close else ''
            raise ConfigKeyError(
                f'unknown config key {dotted!r}: {where} has no '
                f'{part!r}{hint}')
        return


def apply_cfg_options(cfg: Config, options: Optional[Dict[str,
                                                          Any]]) -> Config:
    """Merge ``--cfg-options`` into ``cfg`` after checking every key.

    ``data_root=...`` also reaches the datasets of every dataloader (configs
    copy it there when they are read, so mmengine alone would not).
    ``train_cfg.max_epochs=N`` stretches the epoch-based schedule to N
    epochs (:func:`follow_max_epochs`); ``optim_wrapper.optimizer.lr`` is
    refused where a OneCycleLR sets the learning rate instead.
    """
    if not options:
        return cfg
    for key in options:
        _check_key(cfg, key)
    _refuse_overridden_lr(cfg, options)
    old_max_epochs = (cfg.get('train_cfg') or {}).get('max_epochs')
    cfg.merge_from_dict(options)
    if 'train_cfg.max_epochs' in options and old_max_epochs:
        follow_max_epochs(cfg, old_max_epochs, options)
    if 'data_root' in options:
        for name in DATALOADERS:
            loader = cfg.get(name)
            if loader is not None and 'dataset' in loader:
                _set_data_root(loader['dataset'], options['data_root'])
    return cfg


def _schedulers(cfg: Config) -> list:
    schedulers = cfg.get('param_scheduler') or []
    return [schedulers] if isinstance(schedulers, dict) else list(schedulers)


def _refuse_overridden_lr(cfg: Config, options: Dict[str, Any]) -> None:
    """OneCycleLR starts at ``eta_max / div_factor`` whatever the optimizer's
    lr says, so an lr override would change nothing."""
    if 'optim_wrapper.optimizer.lr' not in options:
        return
    for index, scheduler in enumerate(_schedulers(cfg)):
        if scheduler.get('type') == 'OneCycleLR':
            raise ConfigKeyError(
                'optim_wrapper.optimizer.lr has no effect here: '
                f'param_scheduler.{index} (OneCycleLR) sets the learning '
                f'rate from its eta_max (peak, now {scheduler.get("eta_max")}'
                f'); set param_scheduler.{index}.eta_max instead')


def follow_max_epochs(cfg: Config, old_max_epochs: int,
                      options: Dict[str, Any]) -> None:
    """Stretch the explicit phase boundaries of the epoch-based schedulers
    of a run of ``old_max_epochs`` to ``cfg.train_cfg.max_epochs``, as mmseg
    users expect of a shorter or longer run (a warm-up ending at epoch 15 of
    150 ends at 3 of 30). A scheduler without ``end`` needs nothing: the
    Runner sets it to ``max_epochs``. ``begin`` and ``end`` scale in
    proportion (rounded, at least one epoch apart); a boundary the same
    ``--cfg-options`` sets, and iteration-based schedulers, stay as given.
    """
    new_max_epochs = cfg.train_cfg.max_epochs
    if not isinstance(new_max_epochs, int) or new_max_epochs < 1:
        raise ConfigKeyError('train_cfg.max_epochs must be a positive '
                             f'integer, got {new_max_epochs!r}')
    if new_max_epochs == old_max_epochs:
        return
    ratio = new_max_epochs / old_max_epochs
    for index, scheduler in enumerate(_schedulers(cfg)):
        if not scheduler.get('by_epoch', True):
            continue
        begin, end = scheduler.get('begin', 0), scheduler.get('end')
        if f'param_scheduler.{index}.begin' not in options:
            scheduler['begin'] = min(round(begin * ratio), new_max_epochs - 1)
        if end is not None and f'param_scheduler.{index}.end' not in options:
            scheduler['end'] = (new_max_epochs if end >= old_max_epochs else
                                max(round(end * ratio),
                                    scheduler['begin'] + 1))
    phases = ', '.join(
        f"{s.get('type')} {s.get('begin', 0)}-{s.get('end', new_max_epochs)}"
        for s in _schedulers(cfg))
    print_log(
        f'train_cfg.max_epochs {old_max_epochs} -> {new_max_epochs}: the '
        f'epoch-based schedule follows (param_scheduler: {phases})',
        logger='current')


def set_mixed_precision(cfg: Config, amp: bool, cuda: bool) -> None:
    """``tools/train.py --amp`` / ``--no-amp``: ``cfg.optim_wrapper``
    becomes mmengine's ``AmpOptimWrapper`` (float16, dynamic loss scale) on
    a GPU (``cuda``), our ``BF16OptimWrapper`` on a CPU, or that wrapper
    turned off (``amp=False``: float32, as mmengine's ``OptimWrapper``, with
    the precision logged); the optimizer, clipping and accumulation
    settings are kept."""
    kept = ('optimizer', 'clip_grad', 'accumulative_counts', 'paramwise_cfg',
            'constructor')
    wrapper = {k: v for k, v in cfg.optim_wrapper.items() if k in kept}
    if amp and cuda:
        wrapper.update(type='AmpOptimWrapper', loss_scale='dynamic')
    else:
        wrapper.update(type='BF16OptimWrapper', enabled=amp)
    cfg.optim_wrapper = wrapper


def leaf_datasets(dataset_cfg: dict,
                  key: str) -> Iterator[Tuple[str, dict]]:
    """(config key, config) of each dataset a dataset config builds, inside
    wrappers: a list under ``datasets`` (mmengine's ``ConcatDataset``) or a
    dataset under ``dataset`` (``RepeatDataset``, ``ClassBalancedDataset``,
    mmseg's ``MultiImageMixDataset``): ``train_dataloader.dataset.dataset``
    ..."""
    inner = dataset_cfg.get('datasets')
    if isinstance(inner, (list, tuple)):
        for index, sub in enumerate(inner):
            yield from leaf_datasets(sub, f'{key}.datasets.{index}')
    elif isinstance(dataset_cfg.get('dataset'), dict):
        yield from leaf_datasets(dataset_cfg['dataset'], f'{key}.dataset')
    else:
        yield key, dataset_cfg


def _set_data_root(dataset: ConfigDict, data_root: str) -> None:
    for _, leaf in leaf_datasets(dataset, 'dataset'):
        leaf['data_root'] = data_root


# each dataloader's side of a fold (CamVidCrossSequenceDataset's role)
FOLD_LOADER_ROLES = (('train_dataloader', 'train'), ('val_dataloader', 'val'),
                     ('test_dataloader', 'val'))


def apply_fold(cfg: Config, held_out: str) -> Config:
    """Make ``cfg`` its cross-sequence fold that holds ``held_out`` out.

    The change ``configs/cross_sequence/fastscnn_camvid_fold-*.py`` make
    to the main config, applied to any CamVid config (an ablation, a stage
    2): the train set becomes the train frames of the other sequences, val
    and test the held-out sequence's frames plus the val split, and the
    evaluators report per sequence with ``held_out``'s scores as ``mIoU``.
    Pipelines, ``data_root`` and everything else stay the config's.
    """
    if not isinstance(held_out, str) or not held_out.isalnum():
        raise ValueError('--fold takes one CamVid sequence name, e.g. '
                         f'0006R0; got {held_out!r}')
    for name, role in FOLD_LOADER_ROLES:
        loader = cfg.get(name)
        if loader is None and name != 'train_dataloader':
            continue
        leaves = list(leaf_datasets((loader or {}).get('dataset') or {},
                                    f'{name}.dataset'))
        key, dataset = leaves[0]
        if len(leaves) != 1 or dataset.get('type') not in (
                CamVidDataset.__name__, CamVidCrossSequenceDataset.__name__):
            found = ', '.join(f'{k}: {d.get("type")!r}' for k, d in leaves)
            raise ValueError(
                f'--fold needs one CamVidDataset in {name}.dataset (wrapped '
                f'or not); this config has {found}')
        dataset.update(
            type=CamVidCrossSequenceDataset.__name__,
            held_out=held_out,
            role=role,
            data_prefix=None)  # the fold dataset sets it
    for name in ('val_evaluator', 'test_evaluator'):
        evaluator = cfg.get(name)
        if evaluator is None:
            continue
        if not isinstance(evaluator, dict) or \
                evaluator.get('type') != 'SegReportMetric':
            raise ValueError(f'--fold reports per sequence with '
                             f'SegReportMetric; {name} is not one')
        evaluator.update(headline_sequences=held_out, per_sequence=True)
    return cfg


def resolve_work_dir(cfg: Config,
                     work_dir: Optional[str],
                     config_path: str,
                     fold: Optional[str] = None) -> str:
    """mmseg's rule: command line, then config, then ./work_dirs/<name>
    (``<name>_fold-<fold>`` for a ``--fold`` run, so that it never resumes
    or overwrites the full run's work dir)."""
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir', None) is None:
        name = osp.splitext(osp.basename(config_path))[0]
        cfg.work_dir = osp.join('./work_dirs',
                                f'{name}_fold-{fold}' if fold else name)
    return cfg.work_dir
