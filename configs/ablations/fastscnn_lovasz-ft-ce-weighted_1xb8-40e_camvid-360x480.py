# Ablation of stage 2: the Lovasz fine-tune with stage 1's ENet-weighted CE
# beside the Lovasz term instead of plain CE.
_base_ = '../fastscnn_camvid_lovasz-ft.py'
model = dict(
    decode_head=dict(
        loss_decode=[{{_base_.weighted_ce}}, {{_base_.lovasz}}]))
# the stage's length when this ablation ran (the shipped stage 2 is now 10)
train_cfg = dict(max_epochs=40)
