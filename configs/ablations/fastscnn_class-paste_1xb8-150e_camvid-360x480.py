# Ablation (issue 47, lever 9): on half the training frames, the pixels of
# the five small classes (pole, sign, fence, pedestrian, bicyclist) of
# another training frame are pasted at the same place, image and labels
# (RandomClassPaste in mmseg's MultiImageMixDataset), before the scale,
# crop, flip, rotation and photometric augmentation. On new footage the
# small objects are mostly labelled as the building or tree behind them
# (docs/cross_sequence.md); pasted ones stand in front of other scenes.
_base_ = '../fastscnn_camvid.py'
# CamVid's label values of Pole, SignSymbol, Fence, Pedestrian, Bicyclist
small_classes = [2, 6, 7, 9, 10]
# the wrapped dataset decodes; the wrapper pastes, then augments
decode = _base_.train_pipeline[:2]
paste_and_augment = [
    dict(type='RandomClassPaste', class_ids=small_classes, prob=0.5)
] + _base_.train_pipeline[2:]
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='MultiImageMixDataset',
        dataset=dict(_base_.train_dataloader.dataset, pipeline=decode),
        pipeline=paste_and_augment))
