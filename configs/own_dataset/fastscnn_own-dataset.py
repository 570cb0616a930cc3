# Fast-SCNN on your own data: copy this file next to it (or anywhere, with
# the _base_ paths below made absolute) and change the lines marked EDIT.
# The steps, and how to validate on a held-out split: docs/own_dataset.md.
#
# mmseg's BaseSegDataset layout, one image and one label map per stem:
#   <data_root>/img_dir/{train,val,test}/<stem><img_suffix>    RGB images
#   <data_root>/ann_dir/{train,val,test}/<stem><seg_map_suffix>
#       label maps: 8-bit single-channel PNG, value i = classes[i],
#       255 = not labelled (ignored by the loss and the metrics)
_base_ = [
    '../_base_/models/fastscnn_paper.py',
    '../_base_/schedules/onecycle_adamw.py', '../_base_/default_runtime.py'
]
data_root = 'data/my_dataset'  # EDIT (or --cfg-options data_root=...)
# EDIT: your classes in label-value order, and their colours (RGB)
classes = ('road', 'sidewalk', 'vehicle', 'person', 'vegetation')
palette = [[128, 64, 128], [244, 35, 232], [0, 0, 142], [220, 20, 60],
           [107, 142, 35]]
img_suffix = '.png'  # EDIT: '.jpg' for JPEG images
seg_map_suffix = '.png'
# EDIT: the training crop (h, w) and the size the network tests at (w, h):
# your frames' size, or smaller for large frames (a multiple of 32 each)
crop_size = (360, 480)
test_scale = (480, 360)
# EDIT (step 2 of docs/own_dataset.md): the train split's class statistics,
# written by tools/analysis/class_stats.py next to this file, e.g.
# class_stats = '{{ fileDirname }}/my-dataset_class_stats.json'
# (None: plain cross-entropy, every class weighted 1)
class_stats = None
max_epochs = 150  # EDIT after validating (docs/own_dataset.md, step 4)

model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(
        num_classes=len(classes),
        loss_decode=dict(
            type='SoftmaxCrossEntropyLoss',
            class_weight=class_stats,
            class_weight_scheme='enet',  # 1 / ln(1.02 + class share)
            loss_weight=1.0)))

# the main CamVid recipe's augmentation: scale 0.5-2x, crop, flip, rotation,
# photometric distortion; frames decoded once per process
train_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(type='LoadAnnotationsOnce'),
    dict(type='RandomResize', scale=test_scale, ratio_range=(0.5, 2.0),
         keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='RandomRotate', prob=0.25, degree=10, seg_pad_val=255),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs')
]
val_pipeline = [
    dict(type='LoadImageFromFileOnce'),
    dict(type='Resize', scale=test_scale, keep_ratio=True),
    dict(type='LoadAnnotationsOnce'),
    dict(type='PackSegInputs')
]
# tools/test.py, tools/infer.py and the ONNX export read this one
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=test_scale, keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs')
]
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Resize', scale_factor=r, keep_ratio=True)
         for r in (0.75, 1.0, 1.25)],
        [dict(type='RandomFlip', prob=0., direction='horizontal'),
         dict(type='RandomFlip', prob=1., direction='horizontal')],
        [dict(type='LoadAnnotations')], [dict(type='PackSegInputs')]
    ])
]


def split(name, pipeline):
    """The dataset of one split (img_dir/<name>, ann_dir/<name>)."""
    return dict(
        type='BaseSegDataset',
        metainfo=dict(classes=classes, palette=palette),
        data_root=data_root,
        data_prefix=dict(img_path=f'img_dir/{name}',
                         seg_map_path=f'ann_dir/{name}'),
        img_suffix=img_suffix,
        seg_map_suffix=seg_map_suffix,
        pipeline=pipeline)


train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # drops a last batch of one frame, which BatchNorm cannot train on
    batch_sampler=dict(type='NoSingletonBatchSampler'),
    dataset=split('train', train_pipeline))
# the held-out split: checkpoint selection and early stopping read it
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=split('val', val_pipeline))
test_dataloader = dict(val_dataloader, dataset=split('test', test_pipeline))
val_evaluator = dict(type='SegReportMetric', iou_metrics=['mIoU', 'mDice'])
test_evaluator = val_evaluator

optim_wrapper = dict(optimizer=dict(lr=2e-3, weight_decay=1e-4))
param_scheduler = [dict(s, eta_max=2e-3) for s in _base_.param_scheduler]
train_cfg = dict(max_epochs=max_epochs)
