"""Every segmentor config through the shared tester (tests/models/base.py),
and a few steps of training."""
import torch

from tests.models.base import SegmentorTester, build_segmentor
from tests.utils import SHIPPED


class TestPaperSegmentor(SegmentorTester):
    """The main config's model (FastSCNNPaper + FastSCNNClassifierHead), the
    one the shipped checkpoint holds."""
    config = 'fastscnn_camvid.py'
    export_modes = ('cls', 'prob')
    check_trace = True


class TestNoPPMSegmentor(SegmentorTester):
    """Without the pyramid pooling module."""
    config = 'ablations/fastscnn_no-ppm_1xb8-150e_camvid-360x480.py'


class TestAuxHeadsSegmentor(SegmentorTester):
    """With the paper's two auxiliary heads (trained, never exported)."""
    config = 'ablations/fastscnn_aux-heads_1xb8-150e_camvid-360x480.py'


class TestIBNSegmentor(SegmentorTester):
    """IBN in the learning-to-downsample layers (IN is not folded away on
    export, BN is)."""
    config = 'ablations/fastscnn_ibn-downsample_1xb8-150e_camvid-360x480.py'

    def shipped_state(self, own: dict) -> dict:
        """Each shipped BN of those layers split over the IBN's halves: its
        affine weights to IN and BN, its running statistics to BN."""
        state = super().shipped_state(own)
        shipped = torch.load(SHIPPED, weights_only=True)['state_dict']
        for key in own:
            if '.ibn.' not in key:
                continue
            prefix, part, name = key.rsplit('.', 2)  # X.ibn, IN | BN, param
            value = shipped[prefix[:-len('ibn')] + 'bn.' + name]
            if value.dim():
                half = own[prefix + '.IN.weight'].shape[0]
                value = value[:half] if part == 'IN' else value[half:]
            state[key] = value
        return state


class TestQuarterSkipSegmentor(SegmentorTester):
    """Class scores at 1/4 through a skip from the learning-to-downsample's
    1/4 features."""
    config = 'ablations/fastscnn_quarter-skip_1xb8-150e_camvid-360x480.py'

    def shipped_state(self, own: dict) -> dict:
        """The shipped weights, and the skip conv as it starts (zero)."""
        state = super().shipped_state(own)
        state.update({k: v for k, v in own.items() if '.skip_seg.' in k})
        return state


def test_model_trains_loss_decreases():
    torch.manual_seed(0)
    model = build_segmentor(num_classes=3)
    model.train()
    x = torch.randn(4, 3, 64, 64)
    # a learnable target: class by image quadrant, with some ignored pixels
    target = torch.zeros(4, 64, 64, dtype=torch.long)
    target[:, :, 32:] = 1
    target[:, 32:, :] = 2
    target[:, :4, :4] = 255
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples = []
    for t in target:
        s = SegDataSample(metainfo=dict(img_shape=(64, 64)))
        s.gt_sem_seg = PixelData(data=t[None])
        samples.append(s)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-3)
    losses = []
    for _ in range(15):
        loss = model.loss(x, samples)['decode.loss_ce']
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss))
    assert losses[-1] < 0.6 * losses[0], losses
