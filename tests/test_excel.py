"""The formatted-workbook writer (customer_segmentation.excel), read back with openpyxl."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from kedro.io.core import DatasetError

from customer_segmentation.datasets import FormattedExcelDataset
from customer_segmentation.excel import (
    MAX_ROWS,
    MAX_WIDTH,
    Column,
    Sheet,
    Workbook,
    _number_width,
    write_workbook,
)


def _read(book: Workbook) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    write_workbook(book, buffer)
    return openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))


def test_every_type_of_cell_is_written_as_its_type_and_gaps_stay_empty():
    table = pd.DataFrame(
        {
            "name": ["a", None, "=1+1", "x\ny"],
            "number": [1.5, np.nan, np.inf, -2.0],
            "count": pd.array([1, None, 3, 4], dtype="Int64"),
            "flag": [True, False, True, False],
            "when": pd.to_datetime(["2024-01-01", None, "2024-03-01", "2024-04-01"]),
        }
    )
    sheet = _read(Workbook((Sheet("t", table),)))["t"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert [row[0] for row in rows] == ["a", None, "=1+1", "x\ny"]
    assert sheet["A4"].data_type == "s"  # text that looks like a formula stays text
    assert [row[1] for row in rows] == [1.5, None, None, -2]
    assert [row[2] for row in rows] == [1, None, 3, 4]
    assert [row[3] for row in rows] == [True, False, True, False]
    assert rows[0][4] == "2024-01-01 00:00:00" and rows[1][4] is None


def test_an_empty_table_has_its_header_filter_and_frozen_panes():
    sheet = _read(Workbook((Sheet("empty", pd.DataFrame(columns=["a", "b"])),)))["empty"]
    assert [cell.value for cell in sheet[1]] == ["a", "b"]
    assert sheet.auto_filter.ref == "A1:B1"
    assert sheet.freeze_panes == "B2"


def test_frozen_columns_and_given_widths_are_kept():
    table = pd.DataFrame({"a": ["x" * 200], "b": [1], "c": [2]})
    book = Workbook((Sheet("t", table, {"b": Column(width=30)}, frozen_columns=2),))
    sheet = _read(book)["t"]
    assert sheet.freeze_panes == "C2"
    assert sheet.column_dimensions["A"].width == pytest.approx(MAX_WIDTH, abs=1)  # capped
    assert sheet.column_dimensions["B"].width == pytest.approx(30, abs=1)


@pytest.mark.parametrize(
    ("largest", "number_format", "width"),
    [
        (1234567.891, "#,##0.00", len("-1,234,567.89")),
        (0.5, "0.0%", len("-50.0%")),
        (99.0, '"€"#,##0', len("-€99")),
        (0.5, '[<0.001]"< 0.001";0.000', len("< 0.001")),  # text: no sign
        (3.0, None, 11),
    ],
)
def test_number_widths_follow_the_format(largest, number_format, width):
    assert _number_width(largest, number_format) == width


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ((), "at least one sheet"),
        ((Sheet("a", pd.DataFrame()), Sheet("A", pd.DataFrame())), "repeat"),
    ],
)
def test_a_workbook_needs_distinct_sheets(sheets, message):
    with pytest.raises(ValueError, match=message):
        Workbook(sheets)


@pytest.mark.parametrize("name", ["", "x" * 32, "a/b", "a[1]"])
def test_sheet_names_excel_refuses_are_refused(name):
    with pytest.raises(ValueError, match="no sheet name"):
        Sheet(name, pd.DataFrame())


def test_a_sheet_cannot_hold_more_rows_than_excel():
    with pytest.raises(ValueError, match="rows, over"):
        Sheet("big", pd.DataFrame({"a": np.zeros(MAX_ROWS + 1)}))


def test_formats_must_name_columns_of_the_table():
    with pytest.raises(ValueError, match="missing columns"):
        Sheet("t", pd.DataFrame({"a": [1]}), {"b": Column("0")})


def test_the_dataset_saves_only_a_workbook(tmp_path: Path):
    dataset = FormattedExcelDataset(filepath=str(tmp_path / "book.xlsx"))
    with pytest.raises(DatasetError, match="saves a customer_segmentation.excel.Workbook"):
        dataset.save({"sheet": pd.DataFrame({"a": [1]})})
