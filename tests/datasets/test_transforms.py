"""RandomCameraShift on generated images."""
import numpy as np
import pytest
from mmseg.registry import TRANSFORMS


def build(**kwargs):
    return TRANSFORMS.build(dict(type='RandomCameraShift', **kwargs))


def test_camera_shift_changes_colour_only_as_asked():
    rng = np.random.default_rng(0)
    img = rng.integers(30, 220, (40, 50, 3), dtype=np.uint8)
    labels = rng.integers(0, 11, (40, 50), dtype=np.uint8)
    # gains only: each channel scaled by one factor within the range
    shift = build(gamma_range=(1, 1), blur_prob=0, noise_prob=0, prob=1,
                  gain_range=(0.8, 1.2))
    out = shift.transform(dict(img=img.copy(), gt_seg_map=labels.copy()))
    assert out['img'].shape == img.shape and out['img'].dtype == np.uint8
    assert (out['gt_seg_map'] == labels).all()
    ratio = out['img'].astype(float) / img
    per_channel = ratio.reshape(-1, 3)
    assert (per_channel.std(0) < 0.02).all()  # one gain per channel
    assert ((per_channel.mean(0) > 0.79) & (per_channel.mean(0) < 1.21)).all()
    # gamma only: a monotone curve that keeps black and white
    shift = build(gain_range=(1, 1), gamma_range=(1.5, 1.5), blur_prob=0,
                  noise_prob=0, prob=1)
    ramp = np.tile(np.arange(256, dtype=np.uint8)[None, :, None], (2, 1, 3))
    curve = shift.transform(dict(img=ramp))['img'][0, :, 0].astype(int)
    assert curve[0] == 0 and curve[-1] == 255
    assert (np.diff(curve) >= 0).all() and curve[128] < 128
    # blur and noise: blur lowers the pixel-to-pixel variation
    blur = build(gain_range=(1, 1), gamma_range=(1, 1), blur_prob=1,
                 blur_sigma=(1.0, 1.0), noise_prob=0, prob=1)
    smooth = blur.transform(dict(img=img.copy()))['img']
    assert np.abs(np.diff(smooth.astype(int), axis=1)).mean() < np.abs(
        np.diff(img.astype(int), axis=1)).mean()
    # prob 0: untouched
    same = build(prob=0).transform(dict(img=img.copy()))['img']
    assert (same == img).all()


@pytest.mark.parametrize('kwargs, message', [
    (dict(gain_range=(1.2, 0.8)), 'gain_range'),
    (dict(gamma_range=(0, 1)), 'gamma_range must be above 0'),
    (dict(blur_prob=1.5), 'blur_prob'),
    (dict(noise_std=(-1, 2)), 'noise_std'),
])
def test_camera_shift_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(**kwargs)
