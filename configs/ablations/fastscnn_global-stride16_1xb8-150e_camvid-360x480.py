# Ablation (issue 47, lever 13): the global feature extractor at 1/16 of
# the input instead of 1/32. Fast-SCNN was designed for 1024x2048 frames; at
# 360x480 its 1/32 branch sees a 12x15 map (23x30 here). The second
# bottleneck stage keeps its input's resolution (stride 1, not 2); the
# parameters are unchanged, the FLOPs at 360x480 are 1.02 G against 0.58 G
# (python tools/analysis/complexity.py CONFIG --sizes 360x480).
_base_ = '../fastscnn_camvid.py'
model = dict(backbone=dict(global_block_strides=(2, 1, 1)))
