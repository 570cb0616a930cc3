# Ablation: weighted CE + softmax focal loss (gamma 2), summed.
_base_ = '../fastscnn_camvid.py'
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftmaxCrossEntropyLoss',
            class_weight={{_base_.class_stats}},
            class_weight_scheme='enet'),
        dict(
            type='SoftmaxFocalLoss',
            gamma=2.0,
            alpha={{_base_.class_stats}},
            alpha_scheme='enet')
    ]))
