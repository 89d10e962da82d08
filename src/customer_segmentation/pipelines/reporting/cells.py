"""How values read in the HTML report: numbers, shares, scores, p-values and tables of text
cells (a dash for a missing value)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

MISSING = "–"


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and not math.isfinite(value))


def fmt_int(value: Any) -> str:
    """``12,345``; a dash when missing."""
    return MISSING if _missing(value) else f"{int(value):,}"


def fmt_pct(value: Any) -> str:
    """A 0-1 share as ``12.3 %``; a dash when missing."""
    return MISSING if _missing(value) else f"{float(value) * 100:.1f} %"


def fmt_value(value: Any) -> str:
    """Any cell: yes/no, thousands separators, fewer decimals for big numbers, e-notation tiny."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        value = float(value)
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.2e}"
        decimals = 0 if abs(value) >= 1000 else 2 if abs(value) >= 10 else 3
        return f"{value:,.{decimals}f}"
    return str(value)


def fmt_score(value: Any, spread: Any = None) -> str:
    """A score with 3 decimals, ``± spread`` when the spread is known: ``0.431 ± 0.004``."""
    if _missing(value):
        return MISSING
    text = f"{float(value):.3f}"
    return text if _missing(spread) else f"{text} ± {format_spread(spread)}"


def fmt_p(value: Any) -> str:
    """A p-value; one that underflowed to 0 reads ``< 1e-300``."""
    if _missing(value):
        return MISSING
    return "< 1e-300" if float(value) == 0 else fmt_value(float(value))


def table(
    frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None
) -> dict[str, Any]:
    """Columns and rows of text cells for the template's table macro."""
    formats = formats or {}
    rows = [
        [
            formats.get(column, fmt_value)(value)
            for column, value in zip(frame.columns, row, strict=True)
        ]
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": [str(c) for c in frame.columns], "rows": rows}


def format_spread(spread: float) -> str:
    """A silhouette spread: 3 decimals, or one significant digit below 0.0005 (``0.0003``)."""
    spread = abs(float(spread))
    if spread == 0 or spread >= 0.0005:
        return f"{spread:.3f}"
    return f"{spread:.{-math.floor(math.log10(spread))}f}"
