class_stats = '/work/runs/configs/_base_/datasets/camvid_class_stats.json'
crop_size = (
    360,
    480,
)
custom_hooks = []
custom_imports = dict(
    allow_failed_imports=False, imports=[
        'mmseg_fastscnn',
    ])
data_preprocessor = dict(
    bgr_to_rgb=True,
    mean=[
        123.675,
        116.28,
        103.53,
    ],
    pad_val=0,
    seg_pad_val=255,
    std=[
        58.395,
        57.12,
        57.375,
    ],
    type='SegDataPreProcessor')
data_root = 'data/camvid'
dataset_type = 'CamVidDataset'
default_hooks = dict(
    channels_last=dict(enabled=True, type='ChannelsLastHook'),
    checkpoint=dict(
        backend_args=dict(backend='atomic_local'),
        by_epoch=True,
        interval=1,
        max_keep_ckpts=2,
        rule='greater',
        save_best=None,
        type='SafeCheckpointHook'),
    logger=dict(interval=10, log_metric_by_epoch=True, type='LoggerHook'),
    nonfinite_loss=dict(type='NonFiniteLossHook'),
    param_scheduler=dict(type='ParamSchedulerHook'),
    resumed_schedule=dict(type='ResumedScheduleHook'),
    run_shape=dict(type='RunShapeHook'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    sync_buffers=dict(type='SyncBuffersHook'),
    timer=dict(type='IterTimerHook'),
    visualization=dict(type='SegVisualizationHook'),
    weights_only=dict(type='WeightsOnlyCheckpointHook'))
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=False,
    dist_cfg=dict(backend='gloo'),
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0))
img_ratios = [
    0.75,
    1.0,
    1.25,
    1.5,
]
launcher = 'none'
load_from = 'work_dirs/resume_release_e214.pth'
log_level = 'INFO'
log_processor = dict(by_epoch=True)
max_epochs = 150
model = dict(
    backbone=dict(
        align_corners=False,
        downsample_channels=(
            32,
            48,
            64,
        ),
        expand_ratio=6,
        fusion_out_channels=128,
        global_block_channels=(
            64,
            96,
            128,
        ),
        global_block_strides=(
            2,
            2,
            1,
        ),
        global_num_blocks=(
            3,
            3,
            3,
        ),
        global_out_channels=128,
        norm_cfg=dict(requires_grad=True, type='BN'),
        out_indices=(
            0,
            1,
            2,
        ),
        pool_scales=(
            1,
            2,
            3,
            6,
        ),
        type='FastSCNNPaper',
        use_ppm=True,
        width_multiplier=1.0),
    data_preprocessor=dict(
        bgr_to_rgb=True,
        mean=[
            123.675,
            116.28,
            103.53,
        ],
        pad_val=0,
        seg_pad_val=255,
        size=(
            360,
            480,
        ),
        std=[
            58.395,
            57.12,
            57.375,
        ],
        type='SegDataPreProcessor'),
    decode_head=dict(
        align_corners=False,
        channels=128,
        dropout_ratio=0.1,
        in_channels=128,
        in_index=-1,
        loss_decode=dict(
            class_weight=
            '/work/runs/configs/_base_/datasets/camvid_class_stats.json',
            class_weight_scheme='enet',
            loss_weight=1.0,
            type='SoftmaxCrossEntropyLoss'),
        norm_cfg=dict(requires_grad=True, type='BN'),
        num_classes=11,
        num_convs=2,
        train_acc_stride=4,
        type='FastSCNNClassifierHead'),
    test_cfg=dict(mode='whole'),
    train_cfg=dict(),
    type='EncoderDecoder')
model_wrapper_cfg = dict(
    broadcast_buffers=False, type='mmseg.ChannelsLastDistributedDataParallel')
norm_cfg = dict(requires_grad=True, type='BN')
optim_wrapper = dict(
    clip_grad=dict(max_norm=1.0, norm_type=2),
    optimizer=dict(lr=0.002, type='AdamW', weight_decay=0.0001),
    type='BF16OptimWrapper')
param_scheduler = [
    dict(
        begin=0,
        by_epoch=True,
        convert_to_iter_based=True,
        div_factor=10,
        eta_max=0.002,
        final_div_factor=100,
        pct_start=0.3,
        type='OneCycleLR'),
]
randomness = dict(seed=0)
resume = True
test_cfg = dict(type='TestLoop')
test_dataloader = dict(
    batch_size=1,
    dataset=dict(
        data_prefix=dict(img_path='test', seg_map_path='testannot'),
        data_root='data/camvid',
        pipeline=[
            dict(type='LoadImageFromFile'),
            dict(keep_ratio=True, scale=(
                480,
                360,
            ), type='Resize'),
            dict(type='LoadAnnotations'),
            dict(type='PackSegInputs'),
        ],
        type='CamVidDataset'),
    num_workers=2,
    persistent_workers=True,
    sampler=dict(shuffle=False, type='DefaultSampler'))
test_evaluator = dict(
    class_scalars=True,
    iou_metrics=[
        'mIoU',
        'mDice',
    ],
    type='SegReportMetric')
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(keep_ratio=True, scale=(
        480,
        360,
    ), type='Resize'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
test_scale = (
    480,
    360,
)
train_cfg = dict(max_epochs=600, type='EpochBasedTrainLoop', val_interval=1)
train_dataloader = dict(
    batch_sampler=dict(type='NoSingletonBatchSampler'),
    batch_size=8,
    dataset=dict(
        datasets=[
            dict(
                data_prefix=dict(img_path='train', seg_map_path='trainannot'),
                data_root='data/camvid',
                pipeline=[
                    dict(type='LoadImageFromFileOnce'),
                    dict(type='LoadAnnotationsOnce'),
                    dict(
                        keep_ratio=True,
                        ratio_range=(
                            0.5,
                            2.0,
                        ),
                        scale=(
                            480,
                            360,
                        ),
                        type='RandomResize'),
                    dict(
                        cat_max_ratio=0.75,
                        crop_size=(
                            360,
                            480,
                        ),
                        type='RandomCrop'),
                    dict(prob=0.5, type='RandomFlip'),
                    dict(
                        degree=10,
                        prob=0.25,
                        seg_pad_val=255,
                        type='RandomRotate'),
                    dict(type='PhotoMetricDistortion'),
                    dict(type='PackSegInputs'),
                ],
                type='CamVidDataset'),
            dict(
                data_prefix=dict(img_path='val', seg_map_path='valannot'),
                data_root='data/camvid',
                pipeline=[
                    dict(type='LoadImageFromFileOnce'),
                    dict(type='LoadAnnotationsOnce'),
                    dict(
                        keep_ratio=True,
                        ratio_range=(
                            0.5,
                            2.0,
                        ),
                        scale=(
                            480,
                            360,
                        ),
                        type='RandomResize'),
                    dict(
                        cat_max_ratio=0.75,
                        crop_size=(
                            360,
                            480,
                        ),
                        type='RandomCrop'),
                    dict(prob=0.5, type='RandomFlip'),
                    dict(
                        degree=10,
                        prob=0.25,
                        seg_pad_val=255,
                        type='RandomRotate'),
                    dict(type='PhotoMetricDistortion'),
                    dict(type='PackSegInputs'),
                ],
                type='CamVidDataset'),
        ],
        type='ConcatDataset'),
    num_workers=0,
    persistent_workers=False,
    sampler=dict(shuffle=True, type='DefaultSampler'))
train_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(type='LoadAnnotationsOnce'),
    dict(
        keep_ratio=True,
        ratio_range=(
            0.5,
            2.0,
        ),
        scale=(
            480,
            360,
        ),
        type='RandomResize'),
    dict(cat_max_ratio=0.75, crop_size=(
        360,
        480,
    ), type='RandomCrop'),
    dict(prob=0.5, type='RandomFlip'),
    dict(degree=10, prob=0.25, seg_pad_val=255, type='RandomRotate'),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
train_split = dict(
    data_prefix=dict(img_path='train', seg_map_path='trainannot'),
    data_root='data/camvid',
    pipeline=[
        dict(type='LoadImageFromFileOnce'),
        dict(type='LoadAnnotationsOnce'),
        dict(
            keep_ratio=True,
            ratio_range=(
                0.5,
                2.0,
            ),
            scale=(
                480,
                360,
            ),
            type='RandomResize'),
        dict(cat_max_ratio=0.75, crop_size=(
            360,
            480,
        ), type='RandomCrop'),
        dict(prob=0.5, type='RandomFlip'),
        dict(degree=10, prob=0.25, seg_pad_val=255, type='RandomRotate'),
        dict(type='PhotoMetricDistortion'),
        dict(type='PackSegInputs'),
    ],
    type='CamVidDataset')
tta_model = dict(type='MeanProbSegTTAModel')
tta_pipeline = [
    dict(backend_args=None, type='LoadImageFromFile'),
    dict(
        transforms=[
            [
                dict(keep_ratio=True, scale_factor=0.75, type='Resize'),
                dict(keep_ratio=True, scale_factor=1.0, type='Resize'),
                dict(keep_ratio=True, scale_factor=1.25, type='Resize'),
                dict(keep_ratio=True, scale_factor=1.5, type='Resize'),
            ],
            [
                dict(direction='horizontal', prob=0.0, type='RandomFlip'),
                dict(direction='horizontal', prob=1.0, type='RandomFlip'),
            ],
            [
                dict(type='LoadAnnotations'),
            ],
            [
                dict(type='PackSegInputs'),
            ],
        ],
        type='TestTimeAug'),
]
val_cfg = None
val_dataloader = None
val_evaluator = None
val_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(keep_ratio=True, scale=(
        480,
        360,
    ), type='Resize'),
    dict(type='LoadAnnotationsOnce'),
    dict(type='PackSegInputs'),
]
vis_backends = [
    dict(type='LocalVisBackend'),
]
visualizer = dict(
    name='visualizer',
    type='SideBySideSegVisualizer',
    vis_backends=[
        dict(type='LocalVisBackend'),
    ])
weighted_ce = dict(
    class_weight='/work/runs/configs/_base_/datasets/camvid_class_stats.json',
    class_weight_scheme='enet',
    loss_weight=1.0,
    type='SoftmaxCrossEntropyLoss')
work_dir = 'work_dirs/fastscnn_camvid_trainval-600e'
