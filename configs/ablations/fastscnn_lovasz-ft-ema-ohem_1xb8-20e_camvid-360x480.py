# Ablation of stage 2: the 20-epoch EMA fine-tune with online hard example
# mining for the CE term (mmseg's OHEMPixelSampler): only pixels whose true
# class gets a probability under 0.7 count, and never fewer than the 30,000
# least confident per crop (of 172,800). The Lovasz term sees every pixel
# (it takes no pixel weights).
_base_ = './fastscnn_lovasz-ft-ema_1xb8-20e_camvid-360x480.py'
model = dict(
    decode_head=dict(
        sampler=dict(type='OHEMPixelSampler', thresh=0.7, min_kept=30000)))
