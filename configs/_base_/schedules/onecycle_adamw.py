# The reference report's schedule, expressed with mmengine's own parts:
# AdamW + OneCycle, gradient clipping at norm 1.0, epoch-based loops.
# Forward passes in bfloat16 autocast where the device computes it natively
# (weights, BN statistics and AdamW state stay float32); float32 with
# --cfg-options optim_wrapper.enabled=False or tools/train.py --no-amp.
# (No other key than mmengine's OptimWrapper takes: mmseg's tools/train.py
# --amp with --cfg-options optim_wrapper.type=OptimWrapper gives mmengine's
# float16 AmpOptimWrapper on a GPU.)
max_epochs = 100
optim_wrapper = dict(
    type='BF16OptimWrapper',
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=1e-5),
    clip_grad=dict(max_norm=1.0, norm_type=2))
param_scheduler = [
    dict(
        type='OneCycleLR',
        eta_max=5e-4,
        pct_start=0.3,
        div_factor=10,
        final_div_factor=100,
        by_epoch=True,
        begin=0,
        # no end: mmengine's Runner sets it to train_cfg.max_epochs, so the
        # schedule follows a config's (or --cfg-options') max_epochs
        convert_to_iter_based=True)
]
train_cfg = dict(
    type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=1)
# validation (checkpoint selection, early stopping) in bfloat16 autocast where
# the device has it; tests in float32 (tools/test.py --amp for bfloat16)
val_cfg = dict(type='AutocastValLoop', enabled=True)
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=10, log_metric_by_epoch=True),
    param_scheduler=dict(type='ParamSchedulerHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'),
    checkpoint=dict(
        type='SafeCheckpointHook',
        by_epoch=True,
        interval=1,
        max_keep_ckpts=2,
        save_best='mIoU',
        rule='greater',
        # each file whole or absent, whenever the run is killed
        backend_args=dict(backend='atomic_local')),
    # NHWC weights and activations (faster convs on CPUs and GPUs); off with
    # --cfg-options default_hooks.channels_last.enabled=False
    channels_last=dict(type='ChannelsLastHook', enabled=True),
    # checkpoints that torch.load(weights_only=True) opens (torch >= 2.6)
    weights_only=dict(type='WeightsOnlyCheckpointHook'),
    # stop at the first non-finite loss; never save non-finite weights
    nonfinite_loss=dict(type='NonFiniteLossHook'),
    # processes x batch in each checkpoint; a resume with another says so
    run_shape=dict(type='RunShapeHook'),
    # a run resumed with another schedule (max_epochs...) follows it
    resumed_schedule=dict(type='ResumedScheduleHook'),
    # distributed runs: BN statistics averaged over ranks each epoch
    sync_buffers=dict(type='SyncBuffersHook'))
custom_hooks = [
    dict(
        type='TrainOnlyEarlyStoppingHook', monitor='mIoU', patience=10, rule='greater')
]
custom_hooks.append(dict(type='ValLossHook'))
