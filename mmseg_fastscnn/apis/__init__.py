from .inference import init_model_checked
from .launcher import build_runner, load_tool_config, use_gloo_without_gpu

__all__ = [
    'init_model_checked', 'build_runner', 'load_tool_config',
    'use_gloo_without_gpu'
]
