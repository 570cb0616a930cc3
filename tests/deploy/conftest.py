"""The model the deployment tests export and compare."""
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from tests.utils import CONFIG, randomise_batchnorm


@pytest.fixture(scope='module')
def model():
    """The main config's model with non-trivial BN statistics."""
    torch.manual_seed(0)
    return randomise_batchnorm(
        MODELS.build(Config.fromfile(CONFIG).model).eval())
