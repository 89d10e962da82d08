"""Column widths and row heights: spreadsheets size neither when they open a file."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .spec import Column

#: A column is at least this wide and, unless it sets its own width, at most this wide
#: (in characters of the default font).
MIN_WIDTH, MAX_WIDTH = 6.0, 50.0
#: A header longer than this wraps onto more lines instead of widening its column.
MAX_HEADER_WIDTH = 22
#: Height of one line of text, in points (the default font's row height).
LINE_HEIGHT = 15.0
#: Rows sampled to size a text column.
WIDTH_SAMPLE = 2_000
_QUOTED = re.compile(r'"[^"]*"')
_CONDITION = re.compile(r"\[[^\]]*\]")
_DECIMALS = re.compile(r"\.(0+)")


def column_width(name: object, column: pd.Series, spec: Column) -> float:
    """Width of a column in characters: its own, or from its header and its values."""
    if spec.width is not None:
        return spec.width
    header = min(len(str(name)), MAX_HEADER_WIDTH) + 2  # and the filter button
    if pd.api.types.is_bool_dtype(column):
        values = len("FALSE")
    elif pd.api.types.is_numeric_dtype(column):
        numbers = np.abs(column.to_numpy(dtype="float64", na_value=np.nan))
        numbers = numbers[np.isfinite(numbers)]
        values = number_width(float(numbers.max()), spec.number_format) if len(numbers) else 0
    else:
        sample = column.iloc[:: max(1, len(column) // WIDTH_SAMPLE)].dropna().astype(str)
        lines = sample.str.split("\n").explode().str.len() if spec.wrap else sample.str.len()
        values = int(lines.max()) if len(lines) and pd.notna(lines.max()) else 0
    return float(min(max(header, values + 1, MIN_WIDTH), MAX_WIDTH))


def number_width(largest: float, number_format: str | None) -> int:
    """About how many characters ``largest`` takes in ``number_format`` (its widest section)."""
    widths = []
    for section in (number_format or "General").split(";"):
        literal = sum(len(text) - 2 for text in _QUOTED.findall(section))
        pattern = _CONDITION.sub("", _QUOTED.sub("", section))
        if "0" not in pattern and "#" not in pattern:  # General, or text only
            widths.append(literal or 11)
            continue
        value = largest * 100 if "%" in pattern else largest
        if "E+" in pattern.upper():
            digits = len(pattern)
        else:
            decimals = _DECIMALS.search(pattern)
            integer = f"{int(value):,}" if "," in pattern else str(int(value))
            digits = len(integer) + (len(decimals.group(1)) + 1 if decimals else 0)
            digits += "%" in pattern
        widths.append(digits + literal + 1)  # and a minus sign
    return max(widths)


def lines(text: str | None, width: float) -> int:
    """Lines that ``text`` takes in a wrapped cell ``width`` characters wide."""
    if not text:
        return 1
    per_line = max(int(width) - 1, 1)
    return sum(max(1, -(-len(line) // per_line)) for line in str(text).split("\n"))


def stored_width(width: float) -> float:
    """The ``<col width>`` Excel stores for ``width`` characters of its default font.

    Excel adds five pixels of padding to the width of the digits (seven pixels each) and
    keeps 1/256 of a character; this is what it writes itself for a width typed in.
    """
    pixels = int(width * 7 + 0.5) + 5
    return int(pixels / 7 * 256) / 256
