from .inference import build_segmenter, init_model_checked
from .preflight import check_before_run, check_datasets
from .launcher import build_runner, load_tool_config, use_gloo_without_gpu

__all__ = [
    'init_model_checked', 'build_segmenter', 'check_before_run', 'check_datasets', 'build_runner', 'load_tool_config',
    'use_gloo_without_gpu'
]
