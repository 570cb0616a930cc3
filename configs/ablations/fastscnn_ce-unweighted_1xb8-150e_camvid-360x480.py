# Ablation: plain (unweighted) softmax cross-entropy.
_base_ = '../fastscnn_camvid.py'
model = dict(
    decode_head=dict(
        loss_decode=dict(
            _delete_=True, type='SoftmaxCrossEntropyLoss', loss_weight=1.0)))
