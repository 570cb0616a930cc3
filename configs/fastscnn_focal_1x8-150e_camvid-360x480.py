# Ablation: softmax focal loss (gamma 2, ENet weights as alpha) instead of CE.
_base_ = './fastscnn_camvid.py'
class_stats = 'configs/_base_/datasets/camvid_class_stats.json'
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True,
            type='SoftmaxFocalLoss',
            gamma=2.0,
            alpha=class_stats,
            alpha_scheme='enet')))
