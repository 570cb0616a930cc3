from .palette import colorize, legend_handles

__all__ = ['colorize', 'legend_handles']
