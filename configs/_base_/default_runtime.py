custom_imports = dict(imports=['mmseg_fastscnn'], allow_failed_imports=False)
default_scope = 'mmseg'
env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'),
)
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(
    type='SideBySideSegVisualizer', vis_backends=vis_backends, name='visualizer')
# distributed runs: the model is made channels-last before DDP wraps it
# (single-process runs: default_hooks.channels_last); the scope prefix lets
# mmengine's Runner find the wrapper, which it looks up in its own registry
model_wrapper_cfg = dict(
    type='mmseg.ChannelsLastDistributedDataParallel', broadcast_buffers=False)
log_processor = dict(by_epoch=True)
log_level = 'INFO'
load_from = None
resume = False
randomness = dict(seed=0)
# mmseg's SegTTAModel, with the merged seg_logits the log of the views'
# mean probabilities (mmseg's keep the last view's logits)
tta_model = dict(type='MeanProbSegTTAModel')
