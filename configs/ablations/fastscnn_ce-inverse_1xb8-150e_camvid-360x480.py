# Ablation: CE weighted by inverse class frequency (the reference's weights)
# instead of ENet's 1/ln(1.02 + f).
_base_ = '../fastscnn_camvid.py'
model = dict(
    decode_head=dict(loss_decode=dict(class_weight_scheme='inverse')))
