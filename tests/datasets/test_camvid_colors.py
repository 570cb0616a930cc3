"""The 32 colours of the CamVid release and the 11 classes they map to."""
import numpy as np

from mmseg_fastscnn.datasets.camvid_colors import CAMVID32, colors_to_labels


def test_every_camvid_colour_maps_to_its_group():
    colours = np.array([[c for c, _ in CAMVID32.values()]], dtype=np.uint8)
    labels, unknown = colors_to_labels(colours)
    assert labels[0].tolist() == [idx for _, idx in CAMVID32.values()]
    assert unknown == {}
    assert len(CAMVID32) == 32
