# Ablation of stage 2: the same Lovasz fine-tune, validated and saved with an
# exponential moving average of the weights (mmengine's EMAHook). The EMA
# weights are what is validated each epoch and what the checkpoints' state_dict
# holds (the raw weights go to 'ema_state_dict'), so save_best picks the best
# EMA model. momentum 0.003 averages over ~330 iterations (~7 epochs of 46);
# update_buffers also averages the BN statistics, to match the averaged
# weights.
_base_ = '../fastscnn_camvid_lovasz-ft.py'
custom_hooks = _base_.custom_hooks + [
    dict(
        type='EMAHook',
        ema_type='ExponentialMovingAverage',
        momentum=0.003,
        update_buffers=True)
]
# the stage's length when this ablation ran (the shipped stage 2 is now 10)
train_cfg = dict(max_epochs=40)
