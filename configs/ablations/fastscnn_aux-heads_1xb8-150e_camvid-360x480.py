# Ablation: the paper's auxiliary losses (weight 0.4) on the 1/8 and the 1/32
# features, like mmseg's Fast-SCNN. A training step takes 1.35x the main
# recipe's on a CPU (results/ablations/train_step_time.json).
_base_ = '../fastscnn_camvid.py'
norm_cfg = dict(type='BN', requires_grad=True)
aux_loss = dict(
    type='SoftmaxCrossEntropyLoss',
    class_weight={{_base_.class_stats}},
    class_weight_scheme='enet',
    loss_weight=0.4)
model = dict(auxiliary_head=[
    dict(
        type='FastSCNNClassifierHead',
        in_channels=channels,
        channels=32,
        num_convs=1,
        in_index=index,
        num_classes=11,
        norm_cfg=norm_cfg,
        loss_decode=aux_loss) for index, channels in ((0, 64), (1, 128))
])
