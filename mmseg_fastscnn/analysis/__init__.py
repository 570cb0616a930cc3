from .class_stats import class_weights, count_pixels
from .complexity import TABLE1_ROWS, complexity_table
from .cross_sequence import fold_result, summarise_folds

__all__ = [
    'class_weights', 'count_pixels', 'TABLE1_ROWS', 'complexity_table',
    'fold_result', 'summarise_folds'
]
