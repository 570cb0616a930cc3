# Ablation: CamVid frames seen at 1.5x (540x720) in training (scale
# augmentation 0.5-2.0 around 1.5x, still 360x480 crops) and at test, so a
# thin pole keeps a pixel at Fast-SCNN's 1/8 resolution. Predictions are
# resized back and scored on the 360x480 labels. The network then runs at
# 540x720 for a 360x480 frame (2.25x the work; the deploy tools follow the
# test pipeline's Resize, see `working_size`).
_base_ = './fastscnn_camvid.py'
img_scale = (720, 540)  # (w, h): CamVid's 480x360 frames seen at 1.5x
# the base dataset's pipelines with that scale (the rest unchanged)
train_pipeline = [
    dict(t, scale=img_scale) if t['type'] == 'RandomResize' else t
    for t in _base_.train_pipeline
]
test_pipeline = [
    dict(t, scale=img_scale) if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
]
# --tta: flips and scales 0.75x, 1x, 1.25x of the working size
tta_pipeline = [
    _base_.tta_pipeline[0],
    dict(
        _base_.tta_pipeline[1],
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in (1.125, 1.5, 1.875)
        ]] + _base_.tta_pipeline[1]['transforms'][1:])
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
