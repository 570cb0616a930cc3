# Ablation: CamVid frames seen at 1.5x (540x720) in training (scale
# augmentation 0.5-2.0 around 1.5x, still 360x480 crops) and at test, so a
# thin pole keeps a pixel at Fast-SCNN's 1/8 resolution. Predictions are
# resized back and scored on the 360x480 labels. The network then runs at
# 540x720 for a 360x480 frame (2.25x the work; the deploy tools follow the
# test pipeline's Resize, see `working_size`).
_base_ = './fastscnn_camvid.py'
crop_size = (360, 480)  # (h, w) of the training crops
img_scale = (720, 540)  # (w, h): CamVid's 480x360 frames seen at 1.5x
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
        ], [
            dict(type='RandomFlip', prob=0., direction='horizontal'),
            dict(type='RandomFlip', prob=1., direction='horizontal')
        ], [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
