# Ablation: softmax focal loss (gamma 2, ENet weights as alpha) instead of CE.
_base_ = '../fastscnn_camvid.py'
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True,
            type='SoftmaxFocalLoss',
            gamma=2.0,
            alpha={{_base_.class_stats}},
            alpha_scheme='enet')))
