from .inference import init_model_checked

__all__ = ['init_model_checked']
