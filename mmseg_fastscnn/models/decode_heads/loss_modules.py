"""The losses of a decode head as a list, however the config gave them."""
from typing import List

import torch.nn as nn


def decode_losses(head: nn.Module) -> List[nn.Module]:
    """``head.loss_decode`` as a list: mmseg keeps one loss module, or a
    ``nn.ModuleList`` when the config gives a list."""
    losses = head.loss_decode
    return list(losses) if isinstance(losses, nn.ModuleList) else [losses]
