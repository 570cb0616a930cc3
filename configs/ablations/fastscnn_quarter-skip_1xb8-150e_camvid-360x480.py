# Ablation (issue 47, lever 15): class scores at 1/4 of the input instead of
# 1/8, through FCN-8s' skip. The classifier's logits (1/8) are upsampled to
# 1/4 and a 1x1 conv's class scores of the learning-to-downsample's 1/4
# features (its first DSConv, 48 channels) are added; that conv starts at
# zero, so training starts from the paper's head. At 360x480 a pole or a
# sign a few pixels wide is under one cell of the 45x60 map; the 90x120 map
# gives it one. 48 x 11 + 11 more parameters.
_base_ = '../fastscnn_camvid.py'
model = dict(
    backbone=dict(out_indices=(0, 1, 2, 3)),
    decode_head=dict(in_index=2, skip_in_index=3, skip_channels=48))
