from .config_utils import (ConfigKeyError, apply_cfg_options, apply_fold,
                           resolve_work_dir)
from .cli import expected_errors, parse_size, run_cli

__all__ = [
    'ConfigKeyError', 'apply_cfg_options', 'apply_fold', 'resolve_work_dir',
    'expected_errors', 'parse_size', 'run_cli'
]
