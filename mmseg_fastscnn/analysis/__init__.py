from .class_stats import class_weights, count_pixels
from .complexity import TABLE1_ROWS, complexity_table

__all__ = ['class_weights', 'count_pixels', 'TABLE1_ROWS', 'complexity_table']
