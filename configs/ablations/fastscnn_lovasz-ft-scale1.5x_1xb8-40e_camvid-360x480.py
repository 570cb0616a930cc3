# Ablation of stage 2: the Lovasz fine-tune trained on CamVid frames seen at
# 1.5x (540x720; scale augmentation 0.5-2.0 around it, still 360x480 crops),
# validated and tested at 1.5x. The same training pipeline as the stage-1
# ablation fastscnn_scale1.5x_1xb8-150e_..., here from the 1x stage-1 model.
_base_ = ['../fastscnn_camvid_lovasz-ft.py', '../_base_/datasets/camvid_tta_1.5x.py']
train_pipeline = [
    dict(t, scale=_base_.scale_1_5x) if t['type'] == 'RandomResize' else t
    for t in _base_.train_pipeline
]
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
test_pipeline = [
    dict(t, scale=_base_.scale_1_5x) if t['type'] == 'Resize' else t
    for t in _base_.test_pipeline
]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
val_dataloader = dict(dataset=dict(pipeline=[
    dict(t, scale=_base_.scale_1_5x) if t['type'] == 'Resize' else t
    for t in _base_.val_dataloader.dataset.pipeline
]))
# --tta: flips and scales 0.75x, 1x, 1.25x of the working size
tta_pipeline = _base_.tta_pipeline_1_5x
# the stage's length when this ablation ran (the shipped stage 2 is now 10)
train_cfg = dict(max_epochs=40)
