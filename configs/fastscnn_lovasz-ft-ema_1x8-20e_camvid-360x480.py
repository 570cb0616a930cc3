# Ablation of stage 2: the EMA fine-tune in 20 epochs instead of 40 (the
# cosine LR reaches its floor at epoch 20).
_base_ = './fastscnn_lovasz-ft-ema_1x8-40e_camvid-360x480.py'
max_epochs = 20
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        eta_min=1e-6,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
