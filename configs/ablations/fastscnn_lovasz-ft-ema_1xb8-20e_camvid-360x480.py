# Ablation of stage 2: the EMA fine-tune in 20 epochs instead of 40 (the
# base's cosine LR, ending at epoch 20).
_base_ = './fastscnn_lovasz-ft-ema_1xb8-40e_camvid-360x480.py'
max_epochs = 20
train_cfg = dict(max_epochs=max_epochs)
