"""The size a config's test pipeline feeds the network for a given image."""
from typing import Tuple

import mmcv
from mmengine.config import Config


def working_size(cfg: Config, image_size: Tuple[int, int]) -> Tuple[int, int]:
    """(h, w) the network sees for an (h, w) image under the ``Resize`` of
    ``cfg.test_dataloader``'s pipeline (``keep_ratio`` as mmcv rescales);
    the image size itself when the pipeline does not resize.

    Example: ``Resize(scale=(720, 540), keep_ratio=True)`` turns CamVid's
    (360, 480) into (540, 720).
    """
    h, w = image_size
    for step in cfg.test_dataloader.dataset.get('pipeline', []):
        if step.get('type') != 'Resize':
            continue
        scale = step.get('scale')
        if scale is None:  # scale_factor: a number or (w, h) factors
            factor = step['scale_factor']
            fx, fy = ((factor, factor) if isinstance(factor, (int, float))
                      else factor)
            scale = (int(w * float(fx) + 0.5), int(h * float(fy) + 0.5))
        if step.get('keep_ratio', False):
            new_w, new_h = mmcv.rescale_size((w, h), tuple(scale))
        else:
            new_w, new_h = scale
        return int(new_h), int(new_w)
    return int(h), int(w)
