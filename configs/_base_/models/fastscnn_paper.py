# Fast-SCNN as in the paper (Table 1): 1.14M parameters with 11 classes.
norm_cfg = dict(type='BN', requires_grad=True)
data_preprocessor = dict(
    type='SegDataPreProcessor',
    mean=[123.675, 116.28, 103.53],
    std=[58.395, 57.12, 57.375],
    bgr_to_rgb=True,
    pad_val=0,
    seg_pad_val=255)
model = dict(
    type='EncoderDecoder',
    data_preprocessor=data_preprocessor,
    backbone=dict(
        type='FastSCNNPaper',
        downsample_channels=(32, 48, 64),
        global_block_channels=(64, 96, 128),
        global_num_blocks=(3, 3, 3),
        global_block_strides=(2, 2, 1),
        expand_ratio=6,
        global_out_channels=128,
        fusion_out_channels=128,
        pool_scales=(1, 2, 3, 6),
        use_ppm=True,
        width_multiplier=1.0,
        out_indices=(0, 1, 2),
        norm_cfg=norm_cfg,
        align_corners=False),
    decode_head=dict(
        type='FastSCNNClassifierHead',
        in_channels=128,
        channels=128,
        in_index=-1,
        num_convs=2,
        num_classes=11,
        dropout_ratio=0.1,
        norm_cfg=norm_cfg,
        align_corners=False,
        train_acc_stride=4,  # logged acc_seg on 1/16 of the pixels
        loss_decode=dict(type='SoftmaxCrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
