"""What a node says about a workbook: its sheets, and how each column is shown."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

#: Data rows a sheet holds below its header row.
MAX_ROWS = 1_048_575
#: Columns a sheet holds (A to XFD).
MAX_COLUMNS = 16_384
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Column:
    """How one column is shown.

    ``number_format`` is an Excel format code (``0.0%``, ``#,##0.00``, ``"€"#,##0.00``,
    ``[<0.001]"< 0.001";0.000``); ``width`` in characters, else sized from the header and
    the values; ``wrap`` shows long text, and its line breaks, on several lines.
    """

    number_format: str | None = None
    width: float | None = None
    wrap: bool = False


@dataclass(frozen=True)
class Sheet:
    """One table on its own sheet; ``columns`` holds the columns that are not shown plain."""

    name: str
    table: pd.DataFrame
    columns: Mapping[str, Column] = field(default_factory=dict)
    #: Columns kept in view when scrolling right (the header row always is).
    frozen_columns: int = 1

    def __post_init__(self) -> None:
        if not self.name or len(self.name) > 31 or _SHEET_NAME_FORBIDDEN.search(self.name):
            raise ValueError(f"'{self.name}' is no sheet name: 1-31 characters, none of []:*?/\\")
        rows, columns = self.table.shape
        if rows > MAX_ROWS or columns > MAX_COLUMNS:
            raise ValueError(
                f"sheet '{self.name}': {rows:,} rows x {columns:,} columns, over "
                f"{MAX_ROWS:,} x {MAX_COLUMNS:,}"
            )
        unknown = set(self.columns) - set(self.table.columns)
        if unknown:
            raise ValueError(f"sheet '{self.name}': formats for missing columns {sorted(unknown)}")

    def column(self, name: Any) -> Column:
        """How column ``name`` is shown (plain when ``columns`` does not name it)."""
        return self.columns.get(name, Column())


@dataclass(frozen=True)
class Workbook:
    """The sheets of a workbook, in order."""

    sheets: tuple[Sheet, ...]

    def __post_init__(self) -> None:
        if not self.sheets:
            raise ValueError("a workbook needs at least one sheet")
        names = [sheet.name.lower() for sheet in self.sheets]  # Excel ignores case
        if len(set(names)) != len(names):
            raise ValueError(f"sheet names repeat: {self.sheet_names}")

    @property
    def sheet_names(self) -> list[str]:
        return [sheet.name for sheet in self.sheets]

    def __getitem__(self, name: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.name == name:
                return sheet
        raise KeyError(name)
