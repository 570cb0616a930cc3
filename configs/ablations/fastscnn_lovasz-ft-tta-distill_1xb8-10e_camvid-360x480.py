# Lever 6 of issue 47 (docs/cross_sequence.md, "The peers' levers"): the
# release's stage 2 (10 epochs of CE + Lovasz from stage 1's model) plus a
# distillation term towards a teacher's --tta predictions (scales 0.75-1.5
# and flips) on every training crop, weight 2 as in
# fastscnn_lovasz-ft-tta-distill_1xb8-15e_camvid-360x480.py. The student
# stays single scale; the teacher is used in training only, never saved.
# On a fold the teacher is that fold's own stage-2 model (it never saw the
# held-out sequence):
#   --fold F --cfg-options load_from=<fold's stage 1>
#       model.teacher_checkpoint=<fold's stage 2>
_base_ = '../fastscnn_camvid_lovasz-ft.py'
max_epochs = 10
model = dict(
    type='TTADistillEncoderDecoder',
    teacher_checkpoint='{{ fileDirname }}/../../checkpoints/fastscnn_camvid.pth',
    teacher_scales=(0.75, 1.0, 1.25, 1.5),
    teacher_flip=True,
    distill_loss=dict(type='SoftTargetKLLoss', loss_weight=2.0))
train_cfg = dict(max_epochs=max_epochs)
