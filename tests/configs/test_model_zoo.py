"""The model zoo (configs/metafile.yaml, docs/model_zoo.md) describes the
files that ship: sizes, hashes, configs and metadata agree."""
import hashlib
import os.path as osp

import torch
import yaml
from mmengine.config import Config

from tests.utils import ROOT


def zoo():
    index = yaml.safe_load(open(osp.join(ROOT, 'model-index.yml')))
    models = []
    for path in index['Import']:
        models += yaml.safe_load(open(osp.join(ROOT, path)))['Models']
    return models


def test_every_release_is_described_by_its_file():
    table = open(osp.join(ROOT, 'docs', 'model_zoo.md')).read()
    models = zoo()
    assert {m['Weights'] for m in models} == {
        'checkpoints/fastscnn_camvid.pth',
        'checkpoints/fastscnn_camvid_stage1.pth',
        'checkpoints/fastscnn_camvid_train.pth',
        'checkpoints/fastscnn_camvid_trainval_300e-10e.pth',
        'checkpoints/fastscnn_camvid_trainval_stage1.pth',
        'checkpoints/fastscnn_camvid_trainval_stage2-40e.pth'
    }
    for model in models:
        path = osp.join(ROOT, model['Weights'])
        data = open(path, 'rb').read()
        sha = hashlib.sha256(data).hexdigest()
        meta = model['Metadata']
        assert meta['SHA256'] == sha, model['Name']
        assert meta['File size (MiB)'] == round(len(data) / 2**20, 2)
        assert Config.fromfile(osp.join(ROOT, model['Config'])).model
        row = next(line for line in table.splitlines()
                   if line.startswith(f"| `{model['Weights']}`"))
        assert f'`{sha[:16]}`' in row and model['Config'] in row
        for result in model['Results']:
            assert str(result['Metrics']['mIoU']) in row
        checkpoint = torch.load(path, weights_only=True)
        info = checkpoint['meta']
        assert info['trained_on'].endswith(
            meta['Training Data'].rsplit(', ', 1)[-1])
        # no path of the machine that trained it
        assert "'/" not in info['cfg'] and '"/' not in info['cfg']
