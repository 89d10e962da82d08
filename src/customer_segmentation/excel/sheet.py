"""One worksheet as SpreadsheetML (``xl/worksheets/sheetN.xml``), streamed in chunks of rows.

Each column's cells are made at once from its values (numbers as ``<v>``, text inline,
booleans as ``t="b"``; a missing value is no cell at all), so the cost per cell is one string
format, and a sheet of a million rows holds one chunk in memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

import numpy as np
import pandas as pd

from .layout import LINE_HEIGHT, column_width, lines, stored_width
from .spec import Column, Sheet

#: Rows made and written at a time.
CHUNK_ROWS = 20_000
#: Sheets up to this wide (in characters) print one page wide; wider ones at full size.
MAX_PRINT_WIDTH = 260.0
#: Characters a cell holds.
MAX_TEXT = 32_767
HEADER_STYLE = 1  # the index Styles gives the header's format
_SELECTED = 'tabSelected="1" '
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_NAMESPACES = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)


@dataclass(frozen=True)
class Written:
    """What the workbook part needs to know of a written sheet."""

    name: str
    last_column: str
    last_row: int


def column_letter(position: int) -> str:
    """``A`` for 0, ``Z`` for 25, ``AA`` for 26 ..."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def escape(text: str) -> str:
    """``text`` safe inside an XML element or a double-quoted attribute."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def write_sheet(
    out: IO[bytes], sheet: Sheet, style_of: Callable[[Column], int], *, selected: bool
) -> Written:
    """Write ``sheet`` to ``out``; ``style_of`` gives the format index of a column's cells."""
    table = sheet.table
    n_rows, n_columns = table.shape
    letters = [column_letter(position) for position in range(n_columns)]
    specs = [sheet.column(name) for name in table.columns]
    styles = [style_of(spec) for spec in specs]
    widths = [
        column_width(name, table.iloc[:, position], spec)
        for position, (name, spec) in enumerate(zip(table.columns, specs, strict=True))
    ]
    last = f"{letters[-1] if letters else 'A'}{n_rows + 1}"
    fit = sum(widths) <= MAX_PRINT_WIDTH
    head = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NAMESPACES}>',
        '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if fit else "",
        f'<dimension ref="A1:{last}"/>',
        f'<sheetViews><sheetView {_SELECTED if selected else ""}workbookViewId="0">',
        _pane(min(sheet.frozen_columns, n_columns)),
        '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>',
    ]
    if n_columns:
        head.append("<cols>")
        head += [
            f'<col min="{i}" max="{i}" width="{stored_width(width)}" style="{style}" '
            'customWidth="1"/>'
            for i, (width, style) in enumerate(zip(widths, styles, strict=True), start=1)
        ]
        head.append("</cols>")
    header_lines = max(
        (lines(str(name), width - 1) for name, width in zip(table.columns, widths, strict=True)),
        default=1,
    )
    head.append(f"<sheetData>{_row(1, header_lines)}")
    head += [
        _text_cell(letter, 1, HEADER_STYLE, escape(_clean(str(name))))
        for letter, name in zip(letters, table.columns, strict=True)
    ]
    head.append("</row>")
    out.write("".join(head).encode("utf-8"))
    wrapped = [position for position, spec in enumerate(specs) if spec.wrap]
    for start in range(0, n_rows, CHUNK_ROWS):
        chunk = table.iloc[start : start + CHUNK_ROWS]
        numbers = range(start + 2, start + 2 + len(chunk))
        cells = [
            _cells(chunk.iloc[:, position], letters[position], styles[position], numbers)
            for position in range(n_columns)
        ]
        heights = _heights(chunk, wrapped, widths)
        rows = [
            _row(number, height) + "".join(row_cells) + "</row>"
            for number, height, *row_cells in zip(numbers, heights, *cells, strict=True)
        ]
        out.write("".join(rows).encode("utf-8", errors="replace"))
    tail = ["</sheetData>"]
    if n_columns:
        tail.append(f'<autoFilter ref="A1:{last}"/>')
    tail += [
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>',
        '<pageSetup orientation="landscape" fitToWidth="1" fitToHeight="0"/>'
        if fit
        else '<pageSetup orientation="landscape"/>',
        "</worksheet>",
    ]
    out.write("".join(tail).encode("utf-8"))
    return Written(sheet.name, letters[-1] if letters else "A", n_rows + 1)


def _pane(frozen_columns: int) -> str:
    """The header row (and the first ``frozen_columns`` columns) kept in view."""
    if not frozen_columns:
        return (
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
        )
    cell = f"{column_letter(frozen_columns)}2"
    return (
        f'<pane xSplit="{frozen_columns}" ySplit="1" topLeftCell="{cell}" '
        'activePane="bottomRight" state="frozen"/>'
        '<selection pane="topRight"/><selection pane="bottomLeft"/>'
        f'<selection pane="bottomRight" activeCell="{cell}" sqref="{cell}"/>'
    )


def _row(number: int, height_lines: int) -> str:
    if height_lines > 1:
        return f'<row r="{number}" ht="{LINE_HEIGHT * height_lines:g}" customHeight="1">'
    return f'<row r="{number}">'


def _heights(chunk: pd.DataFrame, wrapped: list[int], widths: list[float]) -> list[int]:
    """Lines of each row: spreadsheets do not grow rows for wrapped text on opening."""
    if not wrapped:
        return [1] * len(chunk)
    per_column = [
        [
            lines(None if pd.isna(text) else str(text), widths[position])
            for text in chunk.iloc[:, position]
        ]
        for position in wrapped
    ]
    return [max(row) for row in zip(*per_column, strict=True)]


def _cells(column: pd.Series, letter: str, style: int, numbers: range) -> list[str]:
    """The ``<c>`` elements of one column for rows ``numbers`` ("" for a missing value)."""
    if pd.api.types.is_bool_dtype(column):
        missing = column.isna().to_numpy()
        return [
            "" if gap else f'<c r="{letter}{n}" s="{style}" t="b"><v>{int(bool(v))}</v></c>'
            for n, v, gap in zip(numbers, column.astype(object), missing, strict=True)
        ]
    if pd.api.types.is_integer_dtype(column) and not column.isna().any():
        return [
            f'<c r="{letter}{n}" s="{style}"><v>{v}</v></c>'
            for n, v in zip(numbers, column.tolist(), strict=True)
        ]
    if pd.api.types.is_numeric_dtype(column):
        values = column.to_numpy(dtype="float64", na_value=np.nan)
        finite = np.isfinite(values).tolist()
        return [
            f'<c r="{letter}{n}" s="{style}"><v>{v!r}</v></c>' if ok else ""
            for n, v, ok in zip(numbers, values.tolist(), finite, strict=True)
        ]
    missing = column.isna().to_numpy()
    text = _xml_text(column.astype(object).where(~missing, "").astype(str))
    return [
        ""
        if gap
        else f'<c r="{letter}{n}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        f"{value}</t></is></c>"
        for n, value, gap in zip(numbers, text.tolist(), missing, strict=True)
    ]


def _text_cell(letter: str, number: int, style: int, text: str) -> str:
    return (
        f'<c r="{letter}{number}" s="{style}" t="inlineStr">'
        f'<is><t xml:space="preserve">{text}</t></is></c>'
    )


def _xml_text(text: pd.Series) -> pd.Series:
    """Text as XML content: escaped, without the characters XML cannot hold, cut to a cell."""
    if text.str.contains(_NOT_IN_XML).any():
        text = text.str.replace(_NOT_IN_XML, "", regex=True)
    if (text.str.len() > MAX_TEXT).any():
        text = text.str.slice(0, MAX_TEXT)
    if text.str.contains("[&<>]", regex=True).any():
        text = text.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
    return text


def _clean(text: str) -> str:
    return _NOT_IN_XML.sub("", text)[:MAX_TEXT]
