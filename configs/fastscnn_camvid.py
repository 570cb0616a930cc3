# Fast-SCNN (paper) on CamVid 360x480, trained from scratch on the CPU.
# Departures from the reference recipe, each for a measured or stated reason
# (see README, "Training recipe"): peak LR 2e-3 instead of 5e-4, weight decay
# 1e-4, 150 epochs, images seen at 1.5x (540x720: thin poles and signs keep a
# pixel at Fast-SCNN's 1/8 resolution) with scale augmentation 0.5-2.0 around
# that and 360x480 crops, ENet class weights, early-stopping patience 40
# epochs (validation, with its loss, every epoch). The paper's auxiliary
# losses cost 50% more time per step on this CPU: see the ablation configs.
_base_ = [
    '_base_/models/fastscnn_paper.py', '_base_/datasets/camvid.py',
    '_base_/schedules/onecycle_adamw.py', '_base_/default_runtime.py'
]
crop_size = (360, 480)  # (h, w) of the training crops
img_scale = (720, 540)  # (w, h): CamVid's 480x360 frames seen at 1.5x
max_epochs = 150
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(
        type='RandomResize',
        scale=img_scale,
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomRotate', prob=0.25, degree=10, seg_pad_val=255),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
# Predictions are resized back to 360x480 and scored against the original
# labels, so the metrics are those of the 360x480 ground truth.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=img_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
# --tta: flips and scales 0.75x, 1x, 1.25x of the working size
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in (1.125, 1.5, 1.875)
        ],
                    [
                        dict(type='RandomFlip', prob=0., direction='horizontal'),
                        dict(type='RandomFlip', prob=1., direction='horizontal')
                    ], [dict(type='LoadAnnotations')],
                    [dict(type='PackSegInputs')]])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
class_stats = 'configs/_base_/datasets/camvid_class_stats.json'
weighted_ce = dict(
    type='SoftmaxCrossEntropyLoss',
    class_weight=class_stats,
    class_weight_scheme='enet',
    loss_weight=1.0)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(loss_decode=weighted_ce))
optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=2e-3,
        pct_start=0.3,
        div_factor=10,
        final_div_factor=100,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
custom_hooks = [
    dict(type='EarlyStoppingHook', monitor='mIoU', patience=40,
         rule='greater'),
    dict(type='ValLossHook')
]
