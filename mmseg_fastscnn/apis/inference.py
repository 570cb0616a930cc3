"""Build a model for inference from a config and a checkpoint."""
from typing import Union

from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint_to_model
from mmseg.apis import init_model
from mmseg.registry import DATASETS
from torch import nn

from ..checkpoint import load_fitting_checkpoint


def init_model_checked(config: Union[str, Config], checkpoint: str,
                       device: str = 'cpu') -> nn.Module:
    """mmseg's ``init_model``, but a checkpoint that does not fit is an error.

    Why: ``init_model`` only warns about missing or mis-shaped weights (and
    fails with ``KeyError: 'meta'`` on a bare state dict), then predicts with
    a half-loaded model. Here the file is loaded weights-only, with named
    errors for missing, truncated or unsafe files, and checked against the
    model (:func:`check_checkpoint_fits`); the class names and palette come
    from the checkpoint's ``meta['dataset_meta']``, else from the config's
    test dataset.

    Returns:
        The model in eval mode on ``device``, with ``cfg`` and
        ``dataset_meta`` set as ``init_model`` sets them.
    """
    model = init_model(config, None, device='cpu')
    state = load_fitting_checkpoint(model, checkpoint)
    _load_checkpoint_to_model(model, state, strict=False)
    meta = state.get('meta', {}) if 'state_dict' in state else {}
    dataset_meta = meta.get('dataset_meta')
    if dataset_meta is None:
        dataset_type = model.cfg.test_dataloader.dataset.type
        dataset_meta = dict(DATASETS.get(dataset_type).METAINFO)
    model.dataset_meta = dataset_meta
    return model.to(device).eval()
