"""Fixtures of the tests that run the tools end to end."""
import pytest

from tests.utils import link_camvid_subset


@pytest.fixture(scope='module')
def tiny_camvid(tmp_path_factory, camvid_root):
    """6 train and 3 val images of the real CamVid, linked, not copied."""
    return link_camvid_subset(
        tmp_path_factory.mktemp('camvid'), camvid_root, {'train': 6, 'val': 3})
