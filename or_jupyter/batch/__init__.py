"""Prompts over data: `orj.map` / `orj.amap` run one prompt over many rows."""

from .budget import BudgetError
from .progress import Tally, TextProgress, line, summary
from .result import RowResult
from .rows import TemplateError
from .run import Control, amap, map

__all__ = [
    "BudgetError",
    "Control",
    "RowResult",
    "Tally",
    "TemplateError",
    "TextProgress",
    "amap",
    "line",
    "map",
    "summary",
]
