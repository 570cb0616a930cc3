# Ablation (issue 47, lever 1): the network sees CamVid frames upsampled.
# Fast-SCNN was designed for 1024x2048 input; at 360x480 its 1/32 global
# branch sees 12x15 cells. Training resizes frames 1.0-2.5x (360x480 crops,
# so a step costs what the main recipe's does); validation, test and the
# deploy tools run the network at 2x, 720x960, and predictions are resized
# back and scored on the 360x480 labels.
_base_ = '../fastscnn_camvid.py'
input_2x = (960, 720)  # (w, h)
train_pipeline = [
    dict(t, ratio_range=(1.0, 2.5)) if t['type'] == 'RandomResize' else t
    for t in _base_.train_pipeline
]
test_pipeline = [
    dict(t, scale=input_2x) if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
]
val_pipeline = [
    dict(t, scale=input_2x) if t['type'] == 'Resize' else t
    for t in _base_.val_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
