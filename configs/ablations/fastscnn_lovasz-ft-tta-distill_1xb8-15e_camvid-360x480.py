# Ablation of a third stage: the control's 15 epochs from the train-only
# stage-2 model, plus a distillation term from that same model's
# test-time-augmented predictions (scales 0.75-1.5 and flips, the --tta
# pipeline's; 69.27 val mIoU against 67.12 single scale) on every training
# crop. The student stays single scale at inference; the teacher is only
# used in training and is not saved.
_base_ = './fastscnn_lovasz-ft-from-stage2_1xb8-15e_camvid-360x480.py'
model = dict(
    type='TTADistillEncoderDecoder',
    teacher_checkpoint='{{ fileDirname }}/../../checkpoints/fastscnn_camvid_train.pth',
    teacher_scales=(0.75, 1.0, 1.25, 1.5),
    teacher_flip=True,
    distill_loss=dict(type='SoftTargetKLLoss', loss_weight=2.0))
