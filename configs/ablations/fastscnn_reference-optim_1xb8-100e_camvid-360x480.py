# Ablation: the reference report's optimiser numbers (AdamW lr 1e-3, wd
# 1e-5, OneCycle max 5e-4, 100 epochs, early-stopping patience 10) with
# everything else as the main config.
_base_ = '../fastscnn_camvid.py'
max_epochs = 100
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-5))
param_scheduler = [
    dict(s, eta_max=5e-4) for s in _base_.param_scheduler
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [
    dict(h, patience=10) if h['type'] == 'TrainOnlyEarlyStoppingHook' else h
    for h in _base_.custom_hooks
]
