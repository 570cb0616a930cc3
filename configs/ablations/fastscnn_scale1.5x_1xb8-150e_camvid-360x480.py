# Ablation: CamVid frames seen at 1.5x (540x720) in training (scale
# augmentation 0.5-2.0 around 1.5x, still 360x480 crops) and at test, so a
# thin pole keeps a pixel at Fast-SCNN's 1/8 resolution. Predictions are
# resized back and scored on the 360x480 labels. The network then runs at
# 540x720 for a 360x480 frame (2.25x the work; the deploy tools follow the
# test pipeline's Resize, see `working_size`).
_base_ = ['../fastscnn_camvid.py', '../_base_/datasets/camvid_tta_1.5x.py']
# the base's training pipeline around 1.5x (the rest unchanged); validation
# and test at 1.5x
train_pipeline = [
    dict(t, scale=_base_.scale_1_5x) if t['type'] == 'RandomResize' else t
    for t in _base_.train_pipeline
]
test_pipeline = [
    dict(t, scale=_base_.scale_1_5x) if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
# --tta: flips and scales 0.75x, 1x, 1.25x of the working size
tta_pipeline = _base_.tta_pipeline_1_5x
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
