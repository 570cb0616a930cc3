# Stage 2 of the shipped recipe for the released model: the Lovasz
# fine-tune of fastscnn_camvid_lovasz-ft.py on train + val (468 frames), from
# the last epoch of fastscnn_camvid_trainval.py (--load-from; bash
# tools/train_camvid.sh --trainval passes it), for the whole schedule with
# no validation; the last epoch is the model.
_base_ = './fastscnn_camvid_lovasz-ft.py'
load_from = '{{ fileDirname }}/../checkpoints/fastscnn_camvid_trainval_stage1.pth'
train_split = _base_.train_dataloader.dataset
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            train_split,
            dict(train_split,
                 data_prefix=dict(img_path='val', seg_map_path='valannot'))
        ]))
val_dataloader = None
val_evaluator = None
val_cfg = None
custom_hooks = [
    h for h in _base_.custom_hooks
    if h['type'] not in ('TrainOnlyEarlyStoppingHook', 'ValLossHook')
]
default_hooks = dict(checkpoint=dict(save_best=None))
