# Ablation: weighted CE + softmax focal loss (gamma 2), summed.
_base_ = './fastscnn_camvid.py'
class_stats = 'configs/_base_/datasets/camvid_class_stats.json'
model = dict(
    decode_head=dict(loss_decode=[
        dict(
            type='SoftmaxCrossEntropyLoss',
            class_weight=class_stats,
            class_weight_scheme='enet'),
        dict(
            type='SoftmaxFocalLoss',
            gamma=2.0,
            alpha=class_stats,
            alpha_scheme='enet')
    ]))
