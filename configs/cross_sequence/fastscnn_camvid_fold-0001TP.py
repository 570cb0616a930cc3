# Cross-sequence fold of the main recipe (stage 1): train on the train
# frames of 0006R0 and 0016E5 (305), validate on sequence 0001TP (62 frames,
# never trained on); mIoU, which selects checkpoints and stops early, is
# 0001TP's; 0016E5_mIoU is in-sequence val (the val split, 101 frames).
_base_ = '../fastscnn_camvid.py'
held_out = '0001TP'
fold = dict(
    type='CamVidCrossSequenceDataset', held_out=held_out, data_prefix=None)
train_dataloader = dict(dataset=dict(fold, role='train'))
val_dataloader = dict(dataset=dict(fold, role='val'))
test_dataloader = dict(dataset=dict(fold, role='val'))
val_evaluator = dict(headline_sequences=held_out, per_sequence=True)
test_evaluator = val_evaluator
