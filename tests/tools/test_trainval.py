"""The released model's recipe: both stages on train + val, no validation,
stage 2 from stage 1's last epoch (tools/train_camvid.sh --trainval)."""
import os

import torch

from tests.utils import SMALL, SMALL_CROP, run_two_stages


def test_trainval_trains_on_both_splits_without_validation(
        tiny_camvid, tmp_path):
    # 6 train + 3 val frames at batch 3: 3 batches per epoch (2 on train)
    # these configs have no val_dataloader: its options are refused; their
    # train set is a ConcatDataset, so the crop stays the recipe's
    small = [o for o in SMALL
             if not o.startswith('val_dataloader.') and o not in SMALL_CROP]
    opts = ['--resume', '--cfg-options', *small, f'data_root={tiny_camvid}',
            'train_dataloader.batch_size=3', 'train_cfg.max_epochs=1']
    proc = run_two_stages(tmp_path, '--trainval', *opts)
    log = proc.stdout + proc.stderr
    stage1 = tmp_path / 'fastscnn_camvid_trainval'
    stage2 = tmp_path / 'fastscnn_camvid_lovasz-ft_trainval'
    assert 'Epoch(val)' not in log
    for stage in (stage1, stage2):
        files = os.listdir(stage)
        assert 'epoch_1.pth' in files, files
        assert not [f for f in files if f.startswith('best_')]
    assert f'Load checkpoint from {stage1 / "epoch_1.pth"}' in log
    assert 'decode.loss_lovasz' in log
    one = torch.load(stage1 / 'epoch_1.pth', weights_only=True)
    two = torch.load(stage2 / 'epoch_1.pth', weights_only=True)
    key = [k for k in one['state_dict'] if k.endswith('num_batches_tracked')][0]
    assert int(one['state_dict'][key]) == 3  # 9 frames, not train's 6
    assert int(two['state_dict'][key]) == 6  # went on from stage 1
    assert one['meta']['dataset_meta']['classes'][0] == 'Sky'
