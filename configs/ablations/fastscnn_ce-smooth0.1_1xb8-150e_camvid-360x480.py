# Ablation: weighted CE with label smoothing 0.1.
_base_ = '../fastscnn_camvid.py'
model = dict(decode_head=dict(loss_decode=dict(label_smoothing=0.1)))
