"""Averaging finished runs (tools/average_checkpoints.py): the mean of
every float entry, one loadable network, named errors, no half file."""
import os
import os.path as osp

import pytest
import torch

from mmseg_fastscnn.apis.inference import init_model_checked
from mmseg_fastscnn.apis.soup import average_checkpoints, average_state_dicts
from tests.utils import CONFIG, ROOT, run_tool

RELEASE = osp.join(ROOT, 'checkpoints', 'fastscnn_camvid.pth')
RELEASE_40E = osp.join(ROOT, 'checkpoints',
                       'fastscnn_camvid_trainval_stage2-40e.pth')


def bn_state(weight, mean, count):
    return dict(weight=torch.tensor(weight),
                running_mean=torch.tensor(mean, dtype=torch.float16),
                num_batches_tracked=torch.tensor(count))


def test_float_entries_averaged_integer_entries_from_the_first():
    states = [bn_state([1.0, 2.0], [0.5, 1.0], 7),
              bn_state([3.0, 6.0], [1.5, 2.0], 9),
              bn_state([5.0, 1.0], [1.0, 0.0], 11)]
    soup = average_state_dicts(states, ['a', 'b', 'c'])
    assert soup['weight'].tolist() == pytest.approx([3.0, 3.0])
    assert soup['running_mean'].dtype == torch.float16
    assert soup['running_mean'].tolist() == pytest.approx([1.0, 1.0])
    assert soup['num_batches_tracked'].item() == 7
    assert states[0]['weight'].tolist() == [1.0, 2.0]  # inputs untouched


@pytest.mark.parametrize('second, message', [
    (dict(weight=torch.ones(2)), r'b\.pth is not the same network as '
     r'a\.pth: it lacks num_batches_tracked'),
    (dict(bn_state([1.0, 2.0], [0.0, 0.0], 1), extra=torch.ones(1)),
     r'b\.pth is not the same network as a\.pth: it has extra'),
    (bn_state([1.0, 2.0, 3.0], [0.0, 0.0], 1),
     r'b\.pth: weight is torch\.float32 \(3,\), a\.pth has torch\.float32 '
     r'\(2,\)'),
])
def test_different_networks_are_named(second, message):
    with pytest.raises(ValueError, match=message):
        average_state_dicts([bn_state([1.0, 2.0], [0.0, 0.0], 1), second],
                            ['a.pth', 'b.pth'])


def test_one_checkpoint_is_refused():
    with pytest.raises(ValueError, match='two or more'):
        average_state_dicts([bn_state([1.0], [0.0], 1)], ['a.pth'])


def test_soup_of_two_releases_is_one_loadable_network(tmp_path):
    out = str(tmp_path / 'soup.pth')
    average_checkpoints([RELEASE, RELEASE_40E], out,
                        dict(recipe='mean of two stage-2 runs'))
    soup = torch.load(out, weights_only=True)
    a = torch.load(RELEASE, weights_only=True)['state_dict']
    b = torch.load(RELEASE_40E, weights_only=True)['state_dict']
    key = 'decode_head.conv_seg.weight'
    assert torch.allclose(soup['state_dict'][key], (a[key] + b[key]) / 2)
    assert not torch.equal(a[key], b[key])
    meta = soup['meta']
    assert [s.split(' ')[0] for s in meta['averaged_from']] == [
        'fastscnn_camvid.pth', 'fastscnn_camvid_trainval_stage2-40e.pth']
    assert meta['recipe'] == 'mean of two stage-2 runs'
    assert meta['dataset_meta']['classes'][0] == 'Sky'
    model = init_model_checked(CONFIG, out)  # every key fits the model
    frame = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        logits = model.encode_decode(frame, [dict(img_shape=(64, 96))])
    assert logits.shape == (1, 11, 64, 96)
    assert torch.isfinite(logits).all()


def test_cli_bad_source_is_one_line_and_keeps_the_old_output(tmp_path):
    out = tmp_path / 'soup.pth'
    out.write_bytes(b'previous soup')
    torn = tmp_path / 'torn.pth'
    torn.write_bytes(open(RELEASE, 'rb').read()[:1000])
    proc = run_tool('tools/average_checkpoints.py', RELEASE, str(torn),
                    '--out', str(out), check=False)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and 'torn.pth' in lines[0], proc.stderr
    assert out.read_bytes() == b'previous soup'
    assert sorted(os.listdir(tmp_path)) == ['soup.pth', 'torn.pth']


def test_cli_writes_the_soup(tmp_path):
    out = str(tmp_path / 'soup.pth')
    proc = run_tool('tools/average_checkpoints.py', RELEASE, RELEASE_40E,
                    '--out', out, '--meta', 'trained_on=train+val')
    assert 'wrote the mean of 2 checkpoints' in proc.stdout
    meta = torch.load(out, weights_only=True)['meta']
    assert meta['trained_on'] == 'train+val'
    assert len(meta['averaged_from']) == 2
