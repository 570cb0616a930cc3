"""The model the deployment tests export and compare."""
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS

from tests.utils import CONFIG


@pytest.fixture(scope='module')
def model():
    """The main config's model with non-trivial BN statistics."""
    torch.manual_seed(0)
    m = MODELS.build(Config.fromfile(CONFIG).model).eval()
    for mod in m.modules():
        if isinstance(mod, torch.nn.BatchNorm2d):
            mod.running_mean.uniform_(-0.5, 0.5)
            mod.running_var.uniform_(0.5, 2.0)
            mod.weight.data.uniform_(0.5, 1.5)
            mod.bias.data.uniform_(-0.5, 0.5)
    return m
