# Ablation (issue 47, lever 14): IBN-Net-a's instance-batch normalisation in
# the shallow layers. Every norm of the learning-to-downsample module (the
# layers at 1/2 to 1/8 of the input) instance-normalises half its channels
# and batch-normalises the rest; the rest of the network keeps BN. IN
# removes each frame's own contrast and colour cast, which the held-out
# sequences differ in (0001TP is filmed at dusk). The same parameters; IN
# cannot be folded into the conv before it at inference.
_base_ = '../fastscnn_camvid.py'
model = dict(
    backbone=dict(downsample_norm_cfg=dict(type='IBN', ratio=0.5)))
