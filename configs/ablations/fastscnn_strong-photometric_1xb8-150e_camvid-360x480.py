# Ablation (issue 47, lever 12): a wider photometric distortion. Dropping
# it (lever 4) took fold 0001TP, the dusk sequence, from 43.72 to 15.40
# held-out at 40 epochs: the lighting of footage never seen is what it
# covers. Brightness +-64 instead of +-32, contrast and saturation 0.3-1.7
# instead of 0.5-1.5 (each still applied with probability 0.5, as mmseg's
# PhotoMetricDistortion does), hue +-18 unchanged; nothing else changes.
_base_ = '../fastscnn_camvid.py'
train_pipeline = [
    dict(t, brightness_delta=64, contrast_range=(0.3, 1.7),
         saturation_range=(0.3, 1.7), hue_delta=18)
    if t['type'] == 'PhotoMetricDistortion' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
