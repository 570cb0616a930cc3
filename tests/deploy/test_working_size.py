"""working_size: the size the test pipeline's Resize gives a frame."""
import numpy as np
import pytest
from mmengine.config import Config

from mmseg_fastscnn.deploy import working_size
from tests.utils import CONFIG


def test_working_size_follows_the_test_pipeline():
    cfg = Config.fromfile(CONFIG)
    resize = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] == 'Resize'
    ][0]
    w, h = resize['scale']
    # keep_ratio: the long side is scaled to the longer bound, unless the
    # short side would pass the shorter one
    factor = min(max(w, h) / 480, min(w, h) / 360)
    assert working_size(cfg, (360, 480)) == (round(360 * factor),
                                             round(480 * factor))
    resize['scale'] = (600, 100)
    assert working_size(cfg, (360, 480)) == (100, 133)
    resize['keep_ratio'] = False
    assert working_size(cfg, (360, 480)) == (100, 600)
    resize.pop('scale')
    resize['scale_factor'] = 0.5
    assert working_size(cfg, (360, 480)) == (180, 240)
    cfg.test_dataloader.dataset.pipeline = [
        t for t in cfg.test_dataloader.dataset.pipeline
        if t['type'] != 'Resize'
    ]
    assert working_size(cfg, (360, 480)) == (360, 480)


@pytest.mark.parametrize('resize', [
    dict(scale=(720, 540), keep_ratio=True),
    dict(scale=(1000, 1000), keep_ratio=True),
    dict(scale=(720, 540)),
    dict(scale_factor=0.75),
    dict(scale_factor=(1.5, 2.0)),
    dict(scale_factor=(1.5, 2.0), keep_ratio=True),
])
def test_working_size_equals_what_resize_does(resize):
    from mmcv.transforms import Resize
    cfg = Config(
        dict(test_dataloader=dict(dataset=dict(
            pipeline=[dict(type='Resize', **resize)]))))
    for h, w in ((360, 480), (361, 479)):
        image = np.zeros((h, w, 3), np.uint8)
        resized = Resize(**resize)(dict(img=image))['img']
        assert working_size(cfg, (h, w)) == resized.shape[:2]
