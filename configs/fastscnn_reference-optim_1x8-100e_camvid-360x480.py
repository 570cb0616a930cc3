# Ablation: the reference report's exact optimiser numbers (AdamW lr 1e-3,
# wd 1e-5, OneCycle max 5e-4, 100 epochs, early-stopping patience 10) with
# everything else as the main config.
_base_ = './fastscnn_camvid.py'
max_epochs = 100
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=1e-5))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=5e-4,
        pct_start=0.3,
        div_factor=10,
        final_div_factor=100,
        by_epoch=True,
        begin=0,
        end=max_epochs,
        convert_to_iter_based=True)
]
train_cfg = dict(max_epochs=max_epochs)
custom_hooks = [
    dict(type='TrainOnlyEarlyStoppingHook', monitor='mIoU', patience=10,
         rule='greater'),
    dict(type='ValLossHook')
]
