from .palette import colorize, legend_handles
from .side_by_side import (SideBySideSegVisualizer, legend_strip,
                           side_by_side)

__all__ = [
    'colorize', 'legend_handles', 'SideBySideSegVisualizer', 'legend_strip',
    'side_by_side'
]
