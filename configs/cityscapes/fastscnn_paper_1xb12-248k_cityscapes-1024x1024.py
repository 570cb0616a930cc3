# Fast-SCNN on Cityscapes (19 classes, 2,975 fine train images) with the
# recipe of the paper, section 4.1 (Poudel et al., 2019,
# https://arxiv.org/abs/1902.04502): SGD with momentum 0.9, batch 12, poly
# learning rate from 0.045 with power 0.9, L2 4e-5 except on depthwise
# convs, cross-entropy with auxiliary losses of weight 0.4 at the end of
# learning-to-downsample and of the global feature extractor, random
# resizing 0.5-2.0, crop, horizontal flip, colour and brightness noise,
# 1,000 epochs. Trained from scratch, evaluated on full 1024x2048 frames.
# The paper names no crop size: 1024x1024 is mmseg's stock Cityscapes base
# of its real-time models (BiSeNet, DDRNet, PIDNet).
# 1,000 epochs as iterations (mmseg's Cityscapes habit):
# 248,000 x 12 images = 1,000.3 epochs of 2,975 images.
# One process of 12 with BN; with 4 GPUs: tools/dist_train.sh ... 4
# --cfg-options train_dataloader.batch_size=3 model.backbone.norm_cfg.type=SyncBN
# (and the heads' norm_cfg likewise).
# Data: data/cityscapes in mmseg's layout (leftImg8bit/, gtFine/ with
# *_gtFine_labelTrainIds.png from cityscapesscripts' createTrainIdLabelImgs);
# elsewhere: --cfg-options data_root=/path/to/cityscapes
_base_ = [
    '../_base_/models/fastscnn_paper.py',
    'mmseg::_base_/datasets/cityscapes_1024x1024.py',
    '../_base_/schedules/onecycle_adamw.py', '../_base_/default_runtime.py'
]
crop_size = (1024, 1024)
num_classes = 19
data_root = 'data/cityscapes'
max_iters = 248000
interval = 8000  # validate and checkpoint every 8,000 iterations (~32 epochs)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=num_classes),
    # mmseg's FCNHead on the backbone's outputs 0 (learning to downsample,
    # 64 channels, 1/8) and 1 (global feature extractor, 128, 1/32)
    auxiliary_head=[
        dict(
            type='FCNHead',
            in_channels=channels,
            channels=32,
            num_convs=1,
            concat_input=False,
            in_index=index,
            num_classes=num_classes,
            dropout_ratio=0.1,
            norm_cfg=norm_cfg,
            align_corners=False,
            # averaged over the labelled pixels, as the decode head's loss
            loss_decode=dict(
                type='CrossEntropyLoss',
                use_sigmoid=False,
                avg_non_ignore=True,
                loss_weight=0.4))
        for index, channels in ((0, 64), (1, 128))
    ])
train_dataloader = dict(batch_size=12, num_workers=4,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',  # float32; tools/train.py --amp for mixed precision
    optimizer=dict(type='SGD', lr=0.045, momentum=0.9, weight_decay=4e-5),
    paramwise_cfg=dict(dwconv_decay_mult=0.0))
# no end: mmengine's Runner sets it to train_cfg.max_iters
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0.0, begin=0, by_epoch=False)
]
train_cfg = dict(
    _delete_=True,
    type='IterBasedTrainLoop',
    max_iters=max_iters,
    val_interval=interval)
# the schedule base's hooks, logging and checkpoints by iteration; a fixed
# length, no early stopping
default_hooks = dict(
    logger=dict(interval=50, log_metric_by_epoch=False),
    checkpoint=dict(by_epoch=False, interval=interval))
custom_hooks = [dict(type='ValLossHook')]
log_processor = dict(by_epoch=False)
