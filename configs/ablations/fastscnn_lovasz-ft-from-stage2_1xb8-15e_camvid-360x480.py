# Control for the TTA-distillation ablation: 15 more epochs of stage 2
# (plain CE + Lovasz) starting from the train-only stage-2 model
# (checkpoints/fastscnn_camvid_train.pth, never trained on val), cosine LR
# 2e-4 -> 1e-6. Says what further fine-tuning alone does, so that
# fastscnn_lovasz-ft-tta-distill_1xb8-15e_camvid-360x480.py (the same plus a
# distillation term) can be read against it.
_base_ = '../fastscnn_camvid_lovasz-ft.py'
max_epochs = 15
load_from = '{{ fileDirname }}/../../checkpoints/fastscnn_camvid_train.pth'
optim_wrapper = dict(optimizer=dict(lr=2e-4))
train_cfg = dict(max_epochs=max_epochs)
