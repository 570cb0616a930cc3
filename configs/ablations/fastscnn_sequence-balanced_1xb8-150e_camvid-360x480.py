# Ablation: each CamVid sequence equally likely in the training draws
# (SequenceBalancedSampler: as many draws an epoch as the train set has
# frames, with replacement). The train split is 56% sequence 0016E5; the
# SegNet test is other footage (docs/cross_sequence.md, lever 8).
_base_ = '../fastscnn_camvid.py'
train_dataloader = dict(sampler=dict(type='SequenceBalancedSampler'))
