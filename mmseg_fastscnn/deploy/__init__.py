from .fast_inference import build_fast_model, fold_batchnorm
from .onnx_runtime import (create_session, export_onnx, onnx_parity,
                           quantize_int8)
from .working_size import working_size

__all__ = [
    'build_fast_model', 'fold_batchnorm', 'create_session', 'export_onnx',
    'onnx_parity', 'quantize_int8', 'working_size'
]
