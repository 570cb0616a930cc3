from .class_stats import class_weights, count_pixels

__all__ = ['class_weights', 'count_pixels']
