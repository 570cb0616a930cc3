"""What a prediction leaves the model as: the one place that decides.

The decode head returns logits, always (every mmseg component expects
logits in ``seg_logits``). Where predictions leave the model (the export
wrapper, the fast inference path, ``tools/infer.py --mode``) they become
labels ('cls': argmax, no softmax), probabilities ('prob': softmax in
float32) or stay logits ('logits', for parity checks).
"""
from typing import Optional, Tuple

from torch import Tensor

from mmseg.models.utils import resize

OUTPUT_MODES = ('cls', 'prob', 'logits')


def check_output_mode(mode: str) -> str:
    """``mode`` if it is one of :data:`OUTPUT_MODES`, else ValueError."""
    if mode not in OUTPUT_MODES:
        raise ValueError(f'output mode must be one of {OUTPUT_MODES}, got '
                         f'{mode!r}')
    return mode


def logits_to_output(logits: Tensor,
                     mode: str,
                     size: Optional[Tuple[int, int]] = None,
                     align_corners: bool = False) -> Tensor:
    """Logits (N, K, h, w), resized to ``size`` (H, W) if given (bilinear)
    -> labels (N, H, W) int64, probabilities (N, K, H, W) float32 or the
    logits (N, K, H, W)."""
    check_output_mode(mode)
    if size is not None and tuple(logits.shape[2:]) != tuple(size):
        logits = resize(logits, size=size, mode='bilinear',
                        align_corners=align_corners, warning=False)
    if mode == 'cls':
        return logits.argmax(dim=1)
    if mode == 'prob':
        return logits.float().softmax(dim=1)  # float32 under autocast
    return logits
