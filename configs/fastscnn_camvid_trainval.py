# Stage 1 of the shipped recipe for the released model: trained on every
# labelled frame (train + val, 468) for the whole 150-epoch schedule, with
# no validation and no early stopping; the last epoch is the model (the
# epoch count is fixed beforehand from the cross-sequence runs, never
# selected on frames the model trained on). Stage 2:
# fastscnn_camvid_lovasz-ft_trainval.py.
_base_ = './fastscnn_camvid.py'
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
train_cfg = dict(val_interval=1)  # unused without val_dataloader
custom_hooks = [
    h for h in _base_.custom_hooks
    if h['type'] not in ('TrainOnlyEarlyStoppingHook', 'ValLossHook')
]
default_hooks = dict(checkpoint=dict(save_best=None))
