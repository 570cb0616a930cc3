# Ablation (issue 47, lever 4): the augmentation of the small from-scratch
# peers' public code (DABNet family): random scale 0.75-2.0 (never zoomed
# far out), 360x480 crops, horizontal flip; no rotation, no photometric
# distortion.
_base_ = '../fastscnn_camvid.py'
train_pipeline = [
    dict(t, ratio_range=(0.75, 2.0)) if t['type'] == 'RandomResize' else t
    for t in _base_.train_pipeline
    if t['type'] not in ('RandomRotate', 'PhotoMetricDistortion')
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
