# Stage 2 of the shipped recipe on fold 0001TP: the Lovasz fine-tuning of
# configs/fastscnn_camvid_lovasz-ft.py, from the fold's own stage-1 model
# (load_from, set on the command line: a fold model never saw 0001TP).
_base_ = '../fastscnn_camvid_lovasz-ft.py'
held_out = '0001TP'
fold = dict(
    type='CamVidCrossSequenceDataset', held_out=held_out, data_prefix=None)
train_dataloader = dict(dataset=dict(fold, role='train'))
val_dataloader = dict(dataset=dict(fold, role='val'))
test_dataloader = dict(dataset=dict(fold, role='val'))
val_evaluator = dict(headline_sequences=held_out, per_sequence=True)
test_evaluator = val_evaluator
