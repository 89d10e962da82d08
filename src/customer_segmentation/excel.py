"""Formatted Excel workbooks: the tables a node returns, and the writer the catalog uses.

A node builds a :class:`Workbook`, plain data: one :class:`Sheet` per table, with the number
format, width or text wrapping of any column that needs one. The catalog's
``customer_segmentation.datasets.FormattedExcelDataset`` writes it with
:func:`write_workbook`: every sheet gets a bold header row that stays in view when scrolling
(frozen, with the sheet's first column), an auto-filter over the table, and column widths
sized from the header and the values.

Written with XlsxWriter in constant-memory mode: each row goes to disk as soon as the next
one starts, so a sheet of a million customers holds one row in memory, and a column's number
format is set once on the column, not on each of its cells. Cells keep their full values
(a share stays 0.1328..., shown as 13.3 %), so sorting, filtering and sums are exact. Text is
always written as text: a name that starts with ``=`` never becomes a formula.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

#: Data rows a sheet holds below its header row.
MAX_ROWS = 1_048_575
#: A column is at least this wide and, unless it sets its own width, at most this wide
#: (in characters of the default font).
MIN_WIDTH, MAX_WIDTH = 6.0, 50.0
#: A header longer than this wraps onto a second line instead of widening its column.
MAX_HEADER_WIDTH = 22
#: Height of one line of text in a row, in points (the default font's row height).
ROW_HEIGHT = 15.0
#: Sheets up to this wide (in characters) are printed one page wide; wider ones at full size.
MAX_PRINT_WIDTH = 260.0
#: Rows sampled to size a text column.
WIDTH_SAMPLE = 2_000
HEADER_STYLE = {"bold": True, "text_wrap": True, "valign": "top", "bottom": 1}
HEADER_COLOUR = "#DDEBF7"
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_QUOTED = re.compile(r'"[^"]*"')
_CONDITION = re.compile(r"\[[^\]]*\]")
_DECIMALS = re.compile(r"\.(0+)")


@dataclass(frozen=True)
class Column:
    """How one column is shown.

    ``number_format`` is an Excel format code (``0.0%``, ``#,##0.00``, ``"€"#,##0.00``);
    ``width`` in characters, else sized from the header and the values; ``wrap`` breaks
    long text (and line breaks in it) onto several lines.
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
        if len(self.table) > MAX_ROWS:
            raise ValueError(f"sheet '{self.name}': {len(self.table):,} rows, over {MAX_ROWS:,}")
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


def write_workbook(workbook: Workbook, file: str | IO[bytes]) -> None:
    """Write ``workbook`` as an .xlsx file to a path or an open binary file."""
    book = xlsxwriter.Workbook(
        file,
        {
            "constant_memory": True,
            # cells are written by type (never through write()), but say it for the record
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = _Formats(book)
    try:
        for sheet in workbook.sheets:
            _write_sheet(book.add_worksheet(sheet.name), sheet, formats)
    finally:
        book.close()


class _Formats:
    """One XlsxWriter format per distinct (number format, wrap) pair, and the header's."""

    def __init__(self, book: xlsxwriter.Workbook) -> None:
        self._book = book
        self._cells: dict[tuple[str | None, bool], Format] = {}
        self.header = book.add_format({**HEADER_STYLE, "bg_color": HEADER_COLOUR})

    def cell(self, column: Column) -> Format:
        key = (column.number_format, column.wrap)
        if key not in self._cells:
            # top-aligned: a row made taller by wrapped text reads from its first line
            properties: dict[str, Any] = {"valign": "top"}
            if column.number_format:
                properties["num_format"] = column.number_format
            if column.wrap:
                properties["text_wrap"] = True
            self._cells[key] = self._book.add_format(properties)
        return self._cells[key]


def _write_sheet(worksheet: Worksheet, sheet: Sheet, formats: _Formats) -> None:
    table = sheet.table
    n_rows, n_columns = table.shape
    writers, widths, wrapped = [], [], []
    for position, name in enumerate(table.columns):
        spec = sheet.column(name)
        values, write = _cell_values(table.iloc[:, position], worksheet)
        width = _width(name, table.iloc[:, position], spec)
        worksheet.set_column(position, position, width, formats.cell(spec))
        writers.append((position, values, write))
        widths.append(width)
        if spec.wrap:
            wrapped.append((values, width))
    _page_setup(worksheet, sum(widths))
    # spreadsheets do not size rows to wrapped text on opening: the writer sets the heights
    header_lines = max(
        (_lines(str(name), w - 1) for name, w in zip(table.columns, widths, strict=True)), default=1
    )
    if header_lines > 1:
        worksheet.set_row(0, ROW_HEIGHT * header_lines)
    for position, name in enumerate(table.columns):
        worksheet.write_string(0, position, str(name), formats.header)
    worksheet.freeze_panes(1, min(sheet.frozen_columns, n_columns))
    if n_columns:
        worksheet.autofilter(0, 0, n_rows, n_columns - 1)
    # row by row (constant-memory mode), each cell through its column's typed writer
    for row in range(n_rows):
        if wrapped:
            lines = max(_lines(values[row], width) for values, width in wrapped)
            if lines > 1:
                worksheet.set_row(row + 1, ROW_HEIGHT * lines)
        for position, values, write in writers:
            value = values[row]
            if value is not None:
                write(row + 1, position, value)


def _page_setup(worksheet: Worksheet, width: float) -> None:
    """Printed in landscape, the header row on every page, one page wide if that is legible."""
    worksheet.set_landscape()
    worksheet.repeat_rows(0)
    if width <= MAX_PRINT_WIDTH:
        worksheet.fit_to_pages(1, 0)


def _lines(text: str | None, width: float) -> int:
    """Lines that ``text`` takes in a wrapped cell ``width`` characters wide."""
    if not text:
        return 1
    per_line = max(int(width) - 1, 1)
    return sum(max(1, -(-len(line) // per_line)) for line in str(text).split("\n"))


def _cell_values(
    column: pd.Series, worksheet: Worksheet
) -> tuple[list[Any], Callable[[int, int, Any], Any]]:
    """The column's cell values (``None``: an empty cell) and the writer of their type."""
    if pd.api.types.is_bool_dtype(column):
        missing = column.isna().to_numpy()
        values = [None if gap else bool(v) for v, gap in zip(column, missing, strict=True)]
        return values, worksheet.write_boolean
    if pd.api.types.is_numeric_dtype(column):
        numbers = column.to_numpy(dtype="float64", na_value=np.nan)
        values = numbers.tolist()
        finite = np.isfinite(numbers)
        if not finite.all():  # NaN and infinities stay empty
            values = [v if ok else None for v, ok in zip(values, finite.tolist(), strict=True)]
        return values, worksheet.write_number
    missing = column.isna().to_numpy()
    values = [
        None if gap else str(v) for v, gap in zip(column.astype(object), missing, strict=True)
    ]
    return values, worksheet.write_string


def _width(name: Any, column: pd.Series, spec: Column) -> float:
    """Width of a column in characters: its own, or from its header and its values."""
    if spec.width is not None:
        return spec.width
    header = min(len(str(name)), MAX_HEADER_WIDTH) + 2  # the filter button
    if pd.api.types.is_bool_dtype(column):
        values = 5
    elif pd.api.types.is_numeric_dtype(column):
        numbers = np.abs(column.to_numpy(dtype="float64", na_value=np.nan))
        numbers = numbers[np.isfinite(numbers)]
        values = _number_width(float(numbers.max()), spec.number_format) if len(numbers) else 0
    else:
        sample = column.iloc[:: max(1, len(column) // WIDTH_SAMPLE)].dropna().astype(str)
        lines = sample.str.split("\n").explode().str.len() if spec.wrap else sample.str.len()
        values = int(lines.max()) if len(lines) else 0
    return float(min(max(header, values + 1, MIN_WIDTH), MAX_WIDTH))


def _number_width(largest: float, number_format: str | None) -> int:
    """About how many characters ``largest`` takes in ``number_format`` (any of its sections)."""
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
