# CamVid, SegNet split (367 train / 101 val / 233 test) at 360x480.
# Point elsewhere with --cfg-options data_root=/path/to/camvid
dataset_type = 'CamVidDataset'
# CamVid in the SegNet layout: data/camvid (a link to it), or wherever the
# CAMVID_ROOT environment variable says; tools and tests read the same place
data_root = '{{$CAMVID_ROOT:data/camvid}}'
crop_size = (360, 480)  # (h, w)
# Pixel shares and class weights of the train split (tools/analysis/
# class_stats.py); found next to this file wherever the configs are run from.
class_stats = '{{ fileDirname }}/camvid_class_stats.json'
# the train pipeline decodes each PNG once per loader process and keeps it
# (mmcv's / mmseg's loading transforms otherwise decode on every epoch)
train_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(type='LoadAnnotationsOnce'),
    dict(
        type='RandomResize',
        scale=(480, 360),  # (w, h)
        ratio_range=(0.5, 2.0),
        keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomRotate', prob=0.25, degree=10, seg_pad_val=255),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(480, 360), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
# validation in training reads the same frames every epoch: decoded once
val_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(type='Resize', scale=(480, 360), keep_ratio=True),
    dict(type='LoadAnnotationsOnce'),
    dict(type='PackSegInputs')
]
img_ratios = [0.75, 1.0, 1.25, 1.5]
tta_pipeline = [
    dict(type='LoadImageFromFile', backend_args=None),
    dict(
        type='TestTimeAug',
        transforms=[[
            dict(type='Resize', scale_factor=r, keep_ratio=True)
            for r in img_ratios
        ],
                    [
                        dict(type='RandomFlip', prob=0., direction='horizontal'),
                        dict(type='RandomFlip', prob=1., direction='horizontal')
                    ], [dict(type='LoadAnnotations')],
                    [dict(type='PackSegInputs')]])
]
# Frames are loaded in the training process: with decoded frames kept, the
# pipeline costs ~4 ms a frame, less than two loader processes cost by
# competing with the compute threads on a 2-core CPU. With more cores:
# --cfg-options train_dataloader.num_workers=4
# train_dataloader.persistent_workers=True (likewise val_dataloader).
train_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # drops a last batch of one frame, which BatchNorm cannot train on
    batch_sampler=dict(type='NoSingletonBatchSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='train', seg_map_path='trainannot'),
        pipeline=train_pipeline))
# CamVid's frames are all 360x480, so validation runs 8 at a time (nothing
# is padded; faster than one at a time, docs/training_speed.md)
val_dataloader = dict(
    batch_size=8,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='val', seg_map_path='valannot'),
        pipeline=val_pipeline))
# the SegNet test split (233 frames, mostly footage in neither train nor val)
test_dataloader = dict(
    val_dataloader,
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    dataset=dict(
        val_dataloader['dataset'],
        data_prefix=dict(img_path='test', seg_map_path='testannot'),
        pipeline=test_pipeline))
# IoUMetric + confusion matrix; tools/test.py writes its reports to work_dir;
# each class's IoU is logged too (IoU.<class> in vis_data/scalars.json)
val_evaluator = dict(
    type='SegReportMetric', iou_metrics=['mIoU', 'mDice'], class_scalars=True)
test_evaluator = val_evaluator
