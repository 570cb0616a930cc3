from .config_utils import (ConfigKeyError, apply_cfg_options, apply_fold,
                           resolve_work_dir, set_mixed_precision)
from .cli import expected_errors, parse_size, run_cli

__all__ = [
    'ConfigKeyError', 'apply_cfg_options', 'apply_fold', 'resolve_work_dir',
    'set_mixed_precision',
    'expected_errors', 'parse_size', 'run_cli'
]
