# Ablation (issue 47, lever 10): the optimiser of the small from-scratch
# peers' public code (DABNet's CamVid training): Adam, lr 1e-3, L2 weight
# decay 2e-4 (added to the gradient, not decoupled as in AdamW), a linear
# warm-up from lr / 3 over the first 500 steps times a poly decay (power
# 0.9) from lr to 0 over the whole run. Gradient clipping, the loss, the
# augmentation and everything else as the main config.
_base_ = '../fastscnn_camvid.py'
optim_wrapper = dict(
    optimizer=dict(type='Adam', lr=1e-3, weight_decay=2e-4))
param_scheduler = [
    # steps, not epochs: --cfg-options train_cfg.max_epochs leaves it as is
    dict(type='LinearLR', start_factor=1 / 3, by_epoch=False, begin=0,
         end=500),
    # no end: mmengine's Runner sets it to train_cfg.max_epochs
    dict(type='PolyLR', power=0.9, eta_min=0.0, by_epoch=True, begin=0,
         convert_to_iter_based=True)
]
