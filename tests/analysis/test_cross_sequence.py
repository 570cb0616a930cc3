"""Cross-sequence summaries of fold runs, from generated scalars.json."""
import json
import os

import pytest

from mmseg_fastscnn.analysis import summarise_folds


def write_run(root, name, held_out, in_seq, times=(2.0, 1.0, 4.0),
              sky=None):
    """A work dir with one scalars.json: train lines for each epoch (two
    iterations logged, at ``times[e - 1]`` s), then its validation (with
    ``IoU.Sky`` = ``sky[e - 1]`` where given)."""
    run = os.path.join(root, name)
    os.makedirs(os.path.join(run, '20260101_000000', 'vis_data'))
    lines = []
    for epoch, (score, inseq) in enumerate(zip(held_out, in_seq), 1):
        for it in (1, 2):
            lines.append(dict(loss=1.0 / epoch, time=times[epoch - 1],
                              epoch=epoch, iter=2 * epoch - 2 + it))
        lines.append({'mIoU': score, '0016E5_mIoU': inseq, 'step': epoch,
                      **({'IoU.Sky': sky[epoch - 1]} if sky else {})})
    with open(os.path.join(run, '20260101_000000', 'vis_data',
                           'scalars.json'), 'w') as f:
        f.write('\n'.join(json.dumps(line) for line in lines))
    return run


def test_each_fold_at_its_best_held_out_epoch_and_the_mean(tmp_path):
    a = write_run(tmp_path, 'a', [30.0, 40.0, 35.0], [50.0, 55.0, 60.0])
    b = write_run(tmp_path, 'b', [20.0, 10.0, 30.0], [40.0, 45.0, 47.0])
    out = summarise_folds([a, b])
    first, second = out['folds']
    assert (first['epoch'], first['mIoU'], first['in_sequence_mIoU']) == \
        (2, 40.0, 55.0)  # selected on held-out, not on in-sequence
    assert first['last10_mIoU'] == 35.0  # all 3 epochs
    assert first['train_s_per_iter'] == 2.0  # median of 2, 1, 4
    assert second['epoch'] == 3
    assert out['mean'] == dict(mIoU=35.0, in_sequence_mIoU=51.0,
                               last10_mIoU=27.5)
    fixed = summarise_folds([a, b], epoch=1)
    assert [f['mIoU'] for f in fixed['folds']] == [30.0, 20.0]


def test_an_epoch_never_validated_is_named(tmp_path):
    a = write_run(tmp_path, 'a', [30.0], [50.0], times=(1.0, ))
    with pytest.raises(ValueError, match='epoch 5 was not validated'):
        summarise_folds([a], epoch=5)


def test_per_class_iou_at_the_selected_epoch(tmp_path):
    logged = write_run(tmp_path, 'a', [30.0, 40.0, 35.0], [50.0, 55.0, 60.0],
                       sky=[70.0, 80.0, 90.0])
    older = write_run(tmp_path, 'b', [30.0], [50.0], times=(1.0, ))
    new, old = summarise_folds([logged, older])['folds']
    assert new['per_class_IoU'] == {'Sky': 80.0}  # epoch 2, not the last
    assert old['per_class_IoU'] == {}  # a run that logged no class scores
