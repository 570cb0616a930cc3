from .inference import init_model_checked
from .launcher import build_runner, use_gloo_without_gpu

__all__ = ['init_model_checked', 'build_runner', 'use_gloo_without_gpu']
