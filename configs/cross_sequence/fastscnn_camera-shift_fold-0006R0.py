# Fold 0006R0 of the main recipe plus RandomCameraShift (white balance,
# exposure, blur and noise drawn per image) after PhotoMetricDistortion.
_base_ = './fastscnn_camvid_fold-0006R0.py'
train_pipeline = _base_.train_pipeline[:-1] + [
    dict(type='RandomCameraShift'), _base_.train_pipeline[-1]
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
