"""What a tool checks before mmengine's Runner creates anything on disk.

Why: the Runner makes the work dir, a config copy and a log folder when it
is built, and reads the data and the checkpoint only later; a wrong
``data_root`` or a broken split then left that debris and printed its error
after the whole environment and config dump.
"""
import copy
from typing import Optional, Sequence

from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, MODELS

from ..checkpoint import load_fitting_checkpoint
from ..datasets.integrity import DataIntegrityError
from ..utils.config_utils import leaf_datasets


def check_before_run(cfg: Config, loaders: Sequence[str],
                     checkpoint: Optional[str] = None) -> None:
    """In the order a user fixes them: the model config (built once), the
    datasets of ``loaders`` (:func:`check_datasets`), then ``checkpoint``
    (loaded weights-only; missing, torn and unsafe files raise naming it)
    against that model."""
    init_default_scope(cfg.get('default_scope') or 'mmseg')
    model_cfg = cfg.model
    if isinstance(model_cfg.get('module'), (dict, ConfigDict)):
        model_cfg = model_cfg.module  # a TTA wrapper
    model = MODELS.build(copy.deepcopy(model_cfg))
    check_datasets(cfg, loaders)
    if checkpoint and '://' not in checkpoint:
        load_fitting_checkpoint(model, checkpoint)


def check_datasets(cfg: Config, loaders: Sequence[str]) -> None:
    """Build every dataset of the dataloaders named in ``loaders`` once (a
    missing data root or split, an empty or broken split raise here); a
    :class:`DataIntegrityError` names the option that skips bad pairs.
    Files found whole are not decoded again when the Runner builds them."""
    init_default_scope(cfg.get('default_scope') or 'mmseg')
    for loader in loaders:
        loader_cfg = cfg.get(loader)
        if not loader_cfg or not isinstance(loader_cfg.get('dataset'), dict):
            continue
        for key, dataset_cfg in leaf_datasets(loader_cfg['dataset'],
                                              f'{loader}.dataset'):
            try:
                DATASETS.build(copy.deepcopy(dataset_cfg))
            except DataIntegrityError as error:
                raise DataIntegrityError.from_problems(
                    error.problems, error.where, key) from None
