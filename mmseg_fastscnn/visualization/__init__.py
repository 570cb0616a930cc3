from .palette import colorize
from .side_by_side import (SideBySideSegVisualizer, legend_strip, panel_grid,
                           side_by_side)

__all__ = [
    'colorize', 'SideBySideSegVisualizer', 'legend_strip', 'panel_grid',
    'side_by_side'
]
