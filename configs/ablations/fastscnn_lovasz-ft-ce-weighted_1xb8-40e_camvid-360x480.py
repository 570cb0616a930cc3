# Ablation of stage 2: the Lovasz fine-tune with stage 1's ENet-weighted CE
# beside the Lovasz term instead of plain CE.
_base_ = '../fastscnn_camvid_lovasz-ft.py'
model = dict(
    decode_head=dict(
        loss_decode=[{{_base_.weighted_ce}}, {{_base_.lovasz}}]))
