# Ablation: without the pyramid pooling module.
_base_ = '../fastscnn_camvid.py'
model = dict(backbone=dict(use_ppm=False))
