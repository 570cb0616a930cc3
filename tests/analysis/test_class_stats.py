"""Class weights from pixel counts (inverse, median and ENet schemes)."""
import numpy as np
import pytest


def test_class_weight_schemes_on_generated_counts():
    from mmseg_fastscnn.analysis import class_weights
    counts = np.array([80, 20, 0])
    present = np.array([100, 40, 0])
    w = class_weights(counts, present)
    assert w['inverse'][2] == 0 and w['median'][2] == 0
    # inverse frequency: ratio 80/20 = 4, mean 1 over seen classes
    assert w['inverse'][1] / w['inverse'][0] == pytest.approx(4.0)
    assert np.mean(w['inverse'][:2]) == pytest.approx(1.0)
    # median frequency: g = (0.8, 0.5), median 0.65
    assert w['median'][1] / w['median'][0] == pytest.approx(0.8 / 0.5)
    for bad_c in (1.0, 0.5):  # ln(c + f) <= 0: negative or infinite weights
        with pytest.raises(ValueError, match='enet_c must be > 1'):
            class_weights(counts, present, enet_c=bad_c)
