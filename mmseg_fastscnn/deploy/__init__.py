from .fast_inference import build_fast_model, fold_batchnorm
from .onnx_runtime import (create_session, export_onnx, label_agreement,
                           onnx_parity, quantize_int8, read_metadata,
                           write_metadata)
from .working_size import working_size

__all__ = [
    'build_fast_model', 'fold_batchnorm', 'create_session', 'export_onnx',
    'label_agreement', 'onnx_parity', 'quantize_int8', 'read_metadata',
    'working_size', 'write_metadata'
]
