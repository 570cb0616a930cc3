"""tools/analysis/benchmark_train.py (mmseg_fastscnn.cli.benchmark_train):
training steps of several configs timed in one run, as ratios to the first.
No assertion is on a time itself."""
import json
import os.path as osp

import pytest

from mmseg_fastscnn.cli import benchmark_train
from mmseg_fastscnn.utils import ConfigKeyError
from tests.utils import CONFIG, ROOT

AUX = osp.join(ROOT, 'configs', 'ablations',
               'fastscnn_aux-heads_1xb8-150e_camvid-360x480.py')
SMALL = ['--batch', '2', '--size', '64x96', '--threads', '1', '--warmup',
         '1', '--iters', '1', '--repeats', '2']


def test_ratios_to_the_first_config_and_json(tmp_path):
    out = tmp_path / 'train_speed.json'
    report = benchmark_train.main([CONFIG, AUX, *SMALL, '--json', str(out)])
    assert report['baseline'] == 'fastscnn_camvid'
    assert report['configs'] == {
        'fastscnn_camvid': CONFIG,
        'fastscnn_aux-heads_1xb8-150e_camvid-360x480': AUX
    }
    base, aux = report['stats'].values()
    assert base['n'] == aux['n'] == 2  # iters x repeats, per config
    assert base['relative_to_first'] == 1.0
    assert aux['relative_to_first'] == round(
        aux['median_ms'] / base['median_ms'], 3)
    assert report['batch'] == 2 and report['size'] == '64x96'
    assert report['machine']['torch_threads'] == 1
    assert json.loads(out.read_text()) == report
    assert sorted(p.name for p in tmp_path.iterdir()) == ['train_speed.json']


def test_cfg_options_are_checked():
    with pytest.raises(ConfigKeyError, match='did you mean loss_weight'):
        benchmark_train.main([
            CONFIG, *SMALL, '--cfg-options',
            'model.decode_head.loss_decode.loss_wieght=2'
        ])


@pytest.mark.parametrize('configs, error, match', [
    (['missing.py'], FileNotFoundError, 'config not found: missing.py'),
    ([CONFIG, CONFIG], ValueError, 'named fastscnn_camvid is given twice'),
])
def test_bad_configs_named(configs, error, match, tmp_path):
    out = tmp_path / 'out.json'
    with pytest.raises(error, match=match):
        benchmark_train.main([*configs, *SMALL, '--json', str(out)])
    assert not out.exists()
