"""Test-time augmentation whose merged prediction is usable as a whole."""
from typing import List

import torch
from mmengine.structures import PixelData

from mmseg.models.segmentors import SegTTAModel
from mmseg.registry import MODELS
from mmseg.utils import SampleList


@MODELS.register_module()
class MeanProbSegTTAModel(SegTTAModel):
    """mmseg's ``SegTTAModel`` (labels: argmax of the views' mean softmax),
    whose merged ``seg_logits`` (K, H, W) are the log of that mean, so that
    their softmax is the mean probability of each class (summing to 1).

    Why: mmseg's merge sets the labels but leaves ``seg_logits`` as the last
    view's own logits, so anything reading them (``--mode prob``, a
    confidence map, a loss) sees one flip of one scale, not the vote.
    """

    def merge_preds(self, data_samples_list: List[SampleList]) -> SampleList:
        if self.module.out_channels == 1:
            return super().merge_preds(data_samples_list)
        means = [
            torch.stack([s.seg_logits.data.float().softmax(dim=0)
                         for s in samples]).mean(dim=0)
            for samples in data_samples_list
        ]
        predictions = super().merge_preds(data_samples_list)
        for prediction, mean in zip(predictions, means):
            prediction.set_data(
                {'seg_logits': PixelData(data=mean.clamp_min(1e-30).log())})
        return predictions
