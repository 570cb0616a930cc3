# Stage 2 of lever 15 (docs/cross_sequence.md): the shipped Lovasz
# fine-tuning (configs/fastscnn_camvid_lovasz-ft.py) of a model with class
# scores at 1/4 through the skip
# (ablations/fastscnn_quarter-skip_1xb8-150e_camvid-360x480.py); load_from
# that model's stage 1 (on a fold: with --fold, the fold's own).
_base_ = '../fastscnn_camvid_lovasz-ft.py'
model = dict(
    backbone=dict(out_indices=(0, 1, 2, 3)),
    decode_head=dict(in_index=2, skip_in_index=3, skip_channels=48))
