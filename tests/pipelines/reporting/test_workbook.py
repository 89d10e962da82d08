"""The workbook a CRM team opens: sheets, columns and formats, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from customer_segmentation.datasets import FormattedExcelDataset
from customer_segmentation.errors import InputValidationError
from customer_segmentation.excel import Workbook
from customer_segmentation.pipelines.reporting.customer_list import build_customer_list
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.tables import (
    build_segment_profiles,
    compute_feature_tests,
)
from customer_segmentation.pipelines.reporting.workbook import (
    EXCEL_SHEETS,
    build_excel_workbook,
    data_quality_table,
)

from .conftest import MODEL_FEATURES, reporting_params

P_VALUE = '[<0.001]"< 0.001";0.000'


def _workbook(inputs: dict[str, Any], params: ReportingParams, **changed: Any) -> Workbook:
    data = {**inputs, **changed}
    tables = {
        "segment_profiles": build_segment_profiles(
            data["customer_features"], data["customer_segments"], params
        ),
        "feature_tests": compute_feature_tests(
            data["model_input"], data["customer_segments"], data["feature_transforms"], params
        ),
        "customer_list": build_customer_list(
            data["customer_segments"], data["customer_features"], data["segment_actions"]
        ),
        **{
            name: data[name]
            for name in ("segment_actions", "data_quality_summary", "selection_candidates")
        },
    }
    return build_excel_workbook(**tables, params=params)


def _written(workbook: Workbook, tmp_path: Path) -> openpyxl.Workbook:
    """``workbook`` saved through the catalog's dataset type, opened with openpyxl."""
    path = tmp_path / "segment_report.xlsx"
    FormattedExcelDataset(filepath=str(path)).save(workbook)
    return openpyxl.load_workbook(path)


@pytest.fixture
def book(inputs, params, tmp_path) -> openpyxl.Workbook:
    return _written(_workbook(inputs, params), tmp_path)


def _header(sheet: Worksheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def _cells(sheet: Worksheet, column: str) -> list[Any]:
    """The data cells of the column headed ``column``."""
    position = _header(sheet).index(column) + 1
    return [row[0] for row in sheet.iter_rows(min_row=2, min_col=position, max_col=position)]


def _width(sheet: Worksheet, position: int) -> float | None:
    """The width set for column ``position`` (1-based); a <col> element may span columns."""
    for dimension in sheet.column_dimensions.values():
        if dimension.min <= position <= dimension.max and dimension.customWidth:
            return dimension.width
    return None


def test_sheets_in_order_each_with_a_bold_frozen_filtered_header(book):
    assert book.sheetnames == list(EXCEL_SHEETS)
    for sheet in book.worksheets:
        header = sheet[1]
        assert all(cell.font.b for cell in header), sheet.title
        assert sheet.freeze_panes == "B2", sheet.title  # header row and first column in view
        last = get_column_letter(len(header))
        assert sheet.auto_filter.ref == f"A1:{last}{sheet.max_row}", sheet.title
        for position, cell in enumerate(header, start=1):
            width = _width(sheet, position)
            assert width is not None and 6 <= width <= 61, (sheet.title, cell.value, width)


def test_number_formats_follow_the_kind_of_each_column(book):
    expected = {
        "segments": {
            "customers": "#,##0",
            "customer_share": "0.0%",
            "revenue": "#,##0.00",
            "revenue_share": "0.0%",
        },
        "customer_segments": {
            "cluster": "#,##0",
            "distance_to_centroid": "0.000",
            "margin": "0.000",
            "frequency": "#,##0",
            "monetary": "#,##0.00",
            "avg_order_value": "#,##0.00",
            "return_rate": "0.0%",
            "recency": "#,##0.00",  # generated as floats in the fixture
            "r_score": "#,##0",
        },
        "segment_profiles": {
            "monetary_mean": "#,##0.00",
            "return_rate_median": "0.0%",
            "tenure_mean": "#,##0.00",
            "rfm_mix_Champions": "0.0%",
        },
        "data_quality": {"count": "#,##0", "share": "0.0%"},
        "feature_tests": {
            "anova_p": P_VALUE,
            "kruskal_p": P_VALUE,
            "eta_squared": "0.000",
            "anova_f": "#,##0.00",
        },
        "model_selection": {"silhouette": "0.000", "k": "#,##0", "min_cluster_share": "0.0%"},
    }
    for sheet_name, formats in expected.items():
        sheet = book[sheet_name]
        for column, number_format in formats.items():
            cells = [cell for cell in _cells(sheet, column) if cell.value is not None]
            assert cells, (sheet_name, column)
            assert {cell.number_format for cell in cells} == {number_format}, (sheet_name, column)


def test_cells_keep_their_full_values(book, inputs, params):
    shares = [cell.value for cell in _cells(book["segments"], "customer_share")]
    profiles = build_segment_profiles(
        inputs["customer_features"], inputs["customer_segments"], params
    )
    assert shares == pytest.approx(profiles["customer_share"].tolist(), rel=1e-12)
    # p-values are numbers (filterable), shown as "< 0.001" when that small
    p_values = [cell.value for cell in _cells(book["feature_tests"], "anova_p")]
    assert all(isinstance(value, int | float) for value in p_values)
    assert min(p_values) < 0.001


@pytest.mark.parametrize(
    ("formats", "money"),
    [
        ({"currency_symbol": "€", "currency_position": "suffix"}, '#,##0.00" €"'),
        ({"currency_symbol": "$"}, '"$"#,##0.00'),
        ({"currency_symbol": "£", "money_decimals": 0}, '"£"#,##0'),
    ],
)
def test_currency_and_decimals_come_from_the_parameters(inputs, tmp_path, formats, money):
    params = reporting_params({"formats": formats})
    book = _written(_workbook(inputs, params), tmp_path)
    for sheet, column in (
        ("segments", "revenue"),
        ("customer_segments", "monetary"),
        ("segment_profiles", "avg_order_value_median"),
    ):
        assert {cell.number_format for cell in _cells(book[sheet], column)} == {money}


def test_decimals_of_numbers_shares_and_scores_come_from_the_parameters(inputs, tmp_path):
    params = reporting_params(
        {"formats": {"decimals": 1, "share_decimals": 0, "score_decimals": 2}}
    )
    book = _written(_workbook(inputs, params), tmp_path)
    assert _cells(book["customer_segments"], "recency")[0].number_format == "#,##0.0"
    assert _cells(book["segments"], "customer_share")[0].number_format == "0%"
    assert _cells(book["model_selection"], "silhouette")[0].number_format == "0.00"
    assert _cells(book["feature_tests"], "anova_p")[0].number_format == '[<0.01]"< 0.01";0.00'


def test_segments_sheet_has_each_goal_and_its_actions_one_per_line(book, inputs):
    sheet = pd.DataFrame(book["segments"].values)
    sheet = sheet.iloc[1:].set_axis(_header(book["segments"]), axis=1)
    actions = inputs["segment_actions"]
    assert sheet["segment"].tolist() == actions["segment"].tolist()
    assert sheet["goal"].tolist() == actions["goal"].tolist()
    assert sheet["actions"].tolist() == [a.replace("; ", "\n") for a in actions["actions"]]
    assert sheet["customers"].tolist() == actions["n_customers"].tolist()
    for cell in _cells(book["segments"], "actions"):
        assert cell.alignment.wrap_text
        # spreadsheets do not grow rows for wrapped text when they open a file
        assert book["segments"].row_dimensions[cell.row].height == 30  # two lines
    assert _width(book["segments"], _header(book["segments"]).index("actions") + 1) >= 60


def test_customer_sheet_carries_features_rfm_segment_and_headline_action(book, inputs):
    sheet = book["customer_segments"]
    features = inputs["customer_features"]
    header = _header(sheet)
    assert header[:7] == [
        "customer_id",
        "segment",
        "action",
        "cluster",
        "distance_to_centroid",
        "margin",
        "rfm_segment",
    ]
    assert set(header[7:]) == set(features.columns) - {"customer_id", "rfm_segment"}
    table = pd.DataFrame(list(sheet.values)[1:], columns=header)
    assert len(table) == len(inputs["customer_segments"])
    assert table["customer_id"].is_unique
    assert table.sort_values(["cluster", "customer_id"]).index.tolist() == table.index.tolist()
    first_action = {c: f"First action {c}" for c in range(4)}
    assert (table["action"] == table["cluster"].map(first_action)).all()
    expected = features.set_index("customer_id").loc[table["customer_id"]]
    assert table["rfm_segment"].tolist() == expected["rfm_segment"].tolist()
    for feature in MODEL_FEATURES:
        assert table[feature].tolist() == pytest.approx(expected[feature].tolist()), feature
    segments = inputs["customer_segments"].set_index("customer_id").loc[table["customer_id"]]
    assert table["segment"].tolist() == segments["segment"].tolist()
    assert table["margin"].tolist() == pytest.approx(segments["margin"].tolist())


def test_data_quality_sheet_counts_lines_read_kept_and_rejected_per_reason(book):
    sheet = book["data_quality"]
    table = pd.DataFrame(list(sheet.values)[1:], columns=_header(sheet)).set_index("item")
    assert table.loc["lines read", "count"] == 10_000
    assert table.loc["lines kept", "count"] == 9_400
    assert table.loc["lines rejected", "count"] == 600
    assert table.loc["lines rejected", "share"] == pytest.approx(0.06)
    assert table.loc["rejected: missing_customer_id", "count"] == 450
    assert table.loc["rejected: zero_price", "share"] == pytest.approx(0.015)
    assert "rejected_transactions" in table.loc["lines rejected", "note"]
    assert table.loc["invoice dates", "note"] == "2024-01-01 to 2024-12-31"
    assert table.loc["customers", "count"] == 300


def test_data_quality_of_a_customer_table_counts_rows_and_missing_values():
    table = data_quality_table(
        {
            "dataset": "raw_customers",
            "raw_rows": 1_200,
            "kept_rows": 1_190,
            "rejected_rows": 10,
            "rejected_by_reason": {"unparseable_age": 4, "missing_customer_id": 6},
            "customers": 1_190,
            "missing_values": {"age": 0, "annual_income": 119},
        }
    ).set_index("item")
    assert table.index.tolist() == [
        "rows read",
        "rows kept",
        "rows rejected",
        "rejected: missing_customer_id",
        "rejected: unparseable_age",
        "customers",
        "missing: annual_income",
    ]
    assert table.loc["missing: annual_income", "share"] == pytest.approx(0.1)
    assert "rejected_customers" in table.loc["rows rejected", "note"]


def test_data_quality_needs_the_counts():
    with pytest.raises(InputValidationError, match="data_quality_summary"):
        data_quality_table({"dataset": "raw_transactions", "raw_lines": 10})


def test_names_that_look_like_formulas_stay_text(inputs, params, tmp_path):
    name = '=HYPERLINK("http://evil.example","x")'
    segments = inputs["customer_segments"]
    segments.loc[segments["cluster"] == 0, "segment"] = name
    actions = inputs["segment_actions"]
    actions.loc[actions["cluster"] == 0, "segment"] = name
    book = _written(
        _workbook(inputs, params, customer_segments=segments, segment_actions=actions), tmp_path
    )
    for sheet in ("segments", "customer_segments"):
        cells = _cells(book[sheet], "segment")
        assert all(cell.data_type == "s" for cell in cells), sheet
        assert name in {cell.value for cell in cells}, sheet


def test_model_selection_sheet_is_the_full_candidates_table(book, inputs):
    candidates = inputs["selection_candidates"]
    sheet = book["model_selection"]
    assert _header(sheet) == list(candidates.columns)
    assert sheet.max_row == len(candidates) + 1  # every scored pair, not only one per K
    silhouettes = [cell.value for cell in _cells(sheet, "silhouette")]
    assert silhouettes == pytest.approx(candidates["silhouette"].tolist())
    # a score that was not measured is an empty cell
    missing = candidates["stability"].isna().tolist()
    assert [cell.value is None for cell in _cells(sheet, "stability")] == missing
    assert any(missing)


def test_feature_tests_sheet_lists_every_model_feature(book):
    assert book["feature_tests"].max_row == len(MODEL_FEATURES) + 1


def test_the_candidate_verdicts_are_required(inputs, params):
    with pytest.raises(InputValidationError, match="selection_candidates"):
        _workbook(
            inputs,
            params,
            selection_candidates=inputs["selection_candidates"].drop(columns="verdict"),
        )


def test_above_the_customer_limit_the_sheet_points_to_the_dataset(inputs):
    segments = inputs["customer_segments"]
    small = reporting_params({"workbook_max_customers": len(segments) - 1})
    workbook = _workbook(inputs, small)
    assert workbook.sheet_names == list(EXCEL_SHEETS)
    note = workbook["customer_segments"].table
    assert list(note.columns) == ["note"] and len(note) == 1
    assert f"{len(segments):,} customers" in note["note"].iloc[0]
    assert "customer_list file (08_reporting/latest/customer_list.csv)" in note["note"].iloc[0]


def test_the_dataset_loads_the_sheets_back(inputs, params, tmp_path):
    path = tmp_path / "segment_report.xlsx"
    FormattedExcelDataset(filepath=str(path)).save(_workbook(inputs, params))
    sheets = FormattedExcelDataset(filepath=str(path), load_args={"sheet_name": None}).load()
    assert list(sheets) == list(EXCEL_SHEETS)
    assert len(sheets["customer_segments"]) == len(inputs["customer_segments"])
    preview = FormattedExcelDataset(
        filepath=str(path), load_args={"sheet_name": "segments"}
    ).preview(nrows=2)
    assert preview["columns"][0] == "segment" and len(preview["data"]) == 2
