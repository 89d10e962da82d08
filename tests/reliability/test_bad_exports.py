"""What real exports get wrong, case by case, run as a user runs it: `kedro run` in a copy.

Each case changes the `test` environment's export (or one setting) the way real exports do.
Where the right thing is to stop, the run exits with status 1, one `Error:` line on stderr
naming the dataset, column, examples and fix, and nothing written. Where it is to go on,
the lines go to `rejected_transactions` with their reason and a warning gives the count.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_project, editable_test_env_catalog, kedro_env, latest, run_kedro
from tests.reliability.test_bad_input import (
    RAW,
    one_error_line,
    set_parameter,
    use_raw_file,
    written_outputs,
)

pytestmark = pytest.mark.slow

DATA_PROCESSING = ("--env", "test", "--pipelines", "data_processing")
TRANSACTION_STAGES = ("--env", "test", "--pipelines", "data_processing,feature_engineering")
REJECTED = Path("data/02_intermediate/rejected_transactions.parquet")
CLEAN = Path("data/02_intermediate/clean_transactions.parquet")


def edit_lines(project: Path, edit: Callable[[pd.DataFrame], None]) -> pd.DataFrame:
    """Change the test export's lines (all text) in place; return them."""
    path = project / RAW
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(lines)
    lines.to_csv(path, index=False)
    return lines


def set_loc(rows: slice, column: str, value: str) -> Callable[[pd.DataFrame], None]:
    def edit(lines: pd.DataFrame) -> None:
        lines.loc[rows, column] = value

    return edit


def stops(project: Path, *expected: str, run_args: tuple[str, ...] = ("--env", "test")) -> str:
    """Run; assert exit 1, one `Error:` line holding ``expected``, nothing written."""
    error_line = one_error_line(project, run_args)
    for text in expected:
        assert text in error_line, error_line
    assert written_outputs(project) == []
    return error_line


def goes_on(project: Path, run_args: tuple[str, ...] = DATA_PROCESSING) -> str:
    """Run (it must succeed); return its log, lines not wrapped."""
    result = run_kedro(project, "run", *run_args, env=kedro_env(COLUMNS="400"), timeout=300)
    return result.stdout + result.stderr


def reasons(project: Path) -> dict[str, int]:
    return pd.read_parquet(project / REJECTED)["reason"].value_counts().to_dict()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


# ---- 1. implausible dates and UTC offsets ---------------------------------------------


def test_a_few_implausible_dates_are_rejected_and_counted(project: Path):
    edit_lines(project, set_loc(slice(0, 0), "InvoiceDate", "2101-01-01 10:00:00"))
    edit_lines(project, set_loc(slice(1, 1), "InvoiceDate", "1900-01-01 10:00:00"))
    log = goes_on(project)
    assert "WARNING  raw_transactions: 2 line(s) dated before 1990-01-01 or after" in log
    assert reasons(project)["implausible_date"] == 2
    clean = pd.read_parquet(project / CLEAN)
    assert clean["invoice_date"].max() < pd.Timestamp("2012-01-01")
    assert clean["invoice_date"].min() > pd.Timestamp("2009-01-01")


def test_many_implausible_dates_stop_the_run(project: Path):
    edit_lines(project, set_loc(slice(0, 99), "InvoiceDate", "2101-01-01 10:00:00"))
    stops(
        project,
        "dataset 'raw_transactions', column 'invoice_date'",
        "100 of 6000 lines",
        "'2101-01-01 10:00:00'",
        "plausibility.earliest_date / latest_date",
        "conf/test/parameters_data_processing.yml",
    )


def test_utc_offsets_are_refused_with_the_fix(project: Path):
    edit_lines(project, set_loc(slice(0, 0), "InvoiceDate", "2009-12-01 09:45:00+05:00"))
    stops(
        project,
        "column 'invoice_date'",
        "1 of 6000 dates carry a UTC offset",
        "'2009-12-01 09:45:00+05:00'",
        "parsing.utc_offsets",
    )


def test_utc_offsets_are_converted_when_asked(project: Path):
    edit_lines(project, set_loc(slice(0, 0), "InvoiceDate", "2009-12-01 09:45:00+05:00"))
    set_parameter(project, "data_processing.parsing.utc_offsets", "utc")
    goes_on(project)
    clean = pd.read_parquet(project / CLEAN)
    assert pd.Timestamp("2009-12-01 04:45:00") in set(clean["invoice_date"])


# ---- 2. magnitudes that cannot be revenue ----------------------------------------------


def test_an_absurd_line_revenue_is_rejected_before_the_features(project: Path):
    def absurd(lines: pd.DataFrame) -> None:
        lines.loc[0, ["Quantity", "Price"]] = ["100", "5012345678901"]
        lines.loc[1, ["Quantity", "Price"]] = ["100", "1e308"]

    edit_lines(project, absurd)
    log = goes_on(project, TRANSACTION_STAGES)
    assert "2 line(s) with a line revenue (quantity x price) above 10,000,000" in log
    assert reasons(project)["line_revenue_above_max"] == 2
    metrics = pd.read_parquet(project / "data/03_primary/customer_metrics.parquet")
    assert len(metrics) > 0 and metrics["monetary"].max() < 1e7


def test_many_absurd_revenues_stop_the_run(project: Path):
    edit_lines(project, set_loc(slice(0, 99), "Price", "5012345678901"))
    stops(project, "column 'price'", "above 10,000,000", "x 5012345678901'", "max_line_revenue")


# ---- 3. text that stands for a missing id ----------------------------------------------


def test_ids_written_as_nan_or_null_are_missing(project: Path):
    def missing_as_text(lines: pd.DataFrame) -> None:
        empty = lines.index[lines["Customer ID"] == ""]
        words = ["nan", "NULL", "None", "#N/A", "N/A", " "]
        lines.loc[empty, "Customer ID"] = [words[i % len(words)] for i in range(len(empty))]

    lines = edit_lines(project, missing_as_text)
    assert not (lines["Customer ID"] == "").any()
    log = goes_on(project)
    assert "customer id(s) are blank or text that stands for a missing id" in log
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)
    assert reasons(project)["missing_customer_id"] == reasons(baseline)["missing_customer_id"]
    clean = pd.read_parquet(project / CLEAN)
    assert clean["customer_id"].nunique() == 304
    assert not clean["customer_id"].str.lower().isin(["nan", "null", "none"]).any()


def test_nan_in_a_parquet_float_id_column_is_missing(project: Path):
    lines = pd.read_csv(project / RAW, dtype=str, keep_default_na=False)
    lines["Customer ID"] = pd.to_numeric(lines["Customer ID"]).astype("float64")  # NaN
    lines["Quantity"] = lines["Quantity"].astype("int64")
    lines["Price"] = lines["Price"].astype("float64")
    path = project.parent / "export.parquet"
    lines.to_parquet(path, index=False)
    use_raw_file(project, "export.parquet", path.read_bytes(), "parquet")
    goes_on(project)
    clean = pd.read_parquet(project / CLEAN)
    assert clean["customer_id"].nunique() == 304 and "nan" not in set(clean["customer_id"])
    assert reasons(project)["missing_customer_id"] == int(lines["Customer ID"].isna().sum())


# ---- 4. ids normalised before copies are found -----------------------------------------


def test_a_no_break_space_after_ids_adds_no_customer(project: Path):
    def nbsp(lines: pd.DataFrame) -> None:
        given = lines["Customer ID"] != ""
        lines.loc[given & (lines.index % 2 == 0), "Customer ID"] += "\u00a0"

    edit_lines(project, nbsp)
    goes_on(project)
    assert pd.read_parquet(project / CLEAN)["customer_id"].nunique() == 304


def test_float_and_integer_copies_of_a_line_are_copies(project: Path):
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)

    def copy_as_float(lines: pd.DataFrame) -> None:
        row = lines.iloc[[0]].copy()
        row["Customer ID"] += ".0"
        lines.loc[len(lines)] = row.iloc[0]

    edit_lines(project, copy_as_float)
    goes_on(project)
    assert reasons(project)["duplicate_line"] == reasons(baseline)["duplicate_line"] + 1


def test_a_control_character_inside_an_id_reaches_no_output(project: Path):
    edit_lines(project, set_loc(slice(0, 40), "Customer ID", "127\x0769"))
    goes_on(project, ("--env", "test"))  # the whole run, to the workbook and the report
    segments = pd.read_parquet(latest(project / "data/07_model_output/customer_segments.parquet"))
    assert "12769" in set(segments["customer_id"])
    assert not segments["customer_id"].str.contains("\x07").any()
    assert latest(project / "data/08_reporting/segment_report.xlsx").stat().st_size > 0


# ---- 5. separators that contradict the data --------------------------------------------


def test_decimal_comma_settings_on_dot_decimals_stop_the_run(project: Path):
    set_parameter(project, "data_processing.parsing.decimal_separator", ",")
    set_parameter(project, "data_processing.parsing.thousands_separator", ".")
    stops(
        project,
        "column 'price'",
        "not in groups of 3",
        "decimal_separator '.', thousands_separator null",
    )


def test_thousands_in_a_dot_decimal_export_stop_the_run(project: Path):
    # ten lines of 6,000: under every share, but they are the largest amounts
    edit_lines(project, set_loc(slice(0, 9), "Price", "1,234.50"))
    stops(project, "column 'price'", "10 of 6000 values group thousands", "'1,234.50'")


# ---- 6. reader options that drop lines ---------------------------------------------------


def test_ignore_errors_in_the_csv_options_is_refused(project: Path):
    catalog_path = project / "conf/test/catalog.yml"
    catalog = editable_test_env_catalog(project)
    catalog["raw_transactions"]["load_args"]["ignore_errors"] = True
    catalog_path.write_text(yaml.safe_dump(catalog))
    stops(project, "dataset 'raw_transactions'", "load_args.ignore_errors", "catalog.yml")


# ---- 7. lines without a customer, kept -------------------------------------------------


def test_drop_missing_customer_false_keeps_them_as_guests(project: Path):
    set_parameter(project, "data_processing.cleaning.drop_missing_customer", False)
    goes_on(project, TRANSACTION_STAGES)
    clean = pd.read_parquet(project / CLEAN)
    guests = clean["customer_id"].str.startswith("guest:")
    assert guests.any() and clean["customer_id"].notna().all()
    metrics = pd.read_parquet(project / "data/03_primary/customer_metrics.parquet")
    assert metrics["customer_id"].str.startswith("guest:").any()


def test_a_customer_with_only_free_orders_returned_nothing(project: Path):
    # kept when free lines are not dropped: nothing bought with money, nothing returned
    set_parameter(project, "data_processing.cleaning.drop_non_positive_price", False)
    lines = edit_lines(project, lambda lines: None)
    buyers = lines[~lines["Invoice"].str.startswith("C") & (lines["Customer ID"] != "")]
    returners = set(lines.loc[lines["Invoice"].str.startswith("C"), "Customer ID"])
    free = next(c for c in buyers["Customer ID"].unique() if c not in returners)

    def free_orders(lines: pd.DataFrame) -> None:
        lines.loc[lines["Customer ID"] == free, "Price"] = "0"

    edit_lines(project, free_orders)
    goes_on(project, TRANSACTION_STAGES)
    features = pd.read_parquet(project / "data/03_primary/customer_metrics.parquet")
    customer = features.set_index("customer_id").loc[free.removesuffix(".0")]
    assert customer["monetary"] == 0
    assert customer["return_rate"] == 0


# ---- 8. exports that carry the line amount instead of a unit price -------------------


def test_line_amounts_give_the_revenue_of_unit_prices(project: Path):
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)

    def amounts(lines: pd.DataFrame) -> None:
        quantity = pd.to_numeric(lines["Quantity"], errors="coerce")
        price = pd.to_numeric(lines["Price"], errors="coerce")
        lines["Price"] = (quantity * price).round(2).map("{:.2f}".format)

    edit_lines(project, amounts)
    set_parameter(project, "data_processing.parsing.price_is", "line_amount")
    goes_on(project)
    clean = pd.read_parquet(project / CLEAN)
    expected = pd.read_parquet(baseline / CLEAN)
    assert len(clean) == len(expected)
    assert clean["line_revenue"].sum() == pytest.approx(expected["line_revenue"].sum())
    assert clean["price"].sum() == pytest.approx(expected["price"].sum())


def test_order_totals_give_each_order_its_total_once(project: Path):
    """An order export: the order's total on its first line, the others left empty."""
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)
    expected = pd.read_parquet(baseline / CLEAN).groupby("invoice")["line_revenue"].sum()

    def order_totals(lines: pd.DataFrame) -> None:
        # orders the baseline rejected whole (no customer id) keep one amount of theirs
        totals = lines["Invoice"].map(expected).abs().round(2).map("{:.2f}".format)
        kept = lines["Invoice"].isin(expected.index)
        totals[~kept] = lines.groupby("Invoice")["Price"].transform("first")[~kept]
        lines["Price"] = totals.where(~lines["Invoice"].duplicated(), "")

    edit_lines(project, order_totals)
    set_parameter(project, "data_processing.parsing.price_is", "order_amount")
    goes_on(project)
    revenue = pd.read_parquet(project / CLEAN).groupby("invoice")["line_revenue"].sum()
    pd.testing.assert_series_equal(revenue, expected.round(2), check_exact=False, atol=1e-6)


# ---- cases real exports produce that the list above does not name ---------------------


def test_dates_saved_as_spreadsheet_serial_numbers_are_read_when_declared(project: Path):
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)

    def serial_numbers(lines: pd.DataFrame) -> None:
        days = (pd.to_datetime(lines["InvoiceDate"]) - pd.Timestamp("1899-12-30")) / pd.Timedelta(
            days=1
        )
        lines["InvoiceDate"] = days.map("{:.10f}".format)

    edit_lines(project, serial_numbers)
    stops(project, "column 'invoice_date'", "date_format to excel_serial", run_args=DATA_PROCESSING)
    set_parameter(project, "data_processing.parsing.date_format", "excel_serial")
    goes_on(project)
    dates = pd.read_parquet(project / CLEAN)["invoice_date"]
    assert dates.tolist() == pd.read_parquet(baseline / CLEAN)["invoice_date"].tolist()


def test_a_windows_1252_export_is_named_and_read_through_pandas(project: Path):
    path = project / RAW
    lines = path.read_text().splitlines(keepends=True)
    # Excel's "CSV" on Windows: the euro sign and curly quotes are bytes UTF-8 cannot read
    lines[1] = lines[1].replace(lines[1].split(",")[2], "\u2019BEST\u2019 MUG \u20ac5")
    path.write_bytes("".join(lines).encode("cp1252"))
    stops(project, "Windows-1252 (cp1252)", "byte 0x92", "pandas.CSVDataset", "encoding: cp1252")

    catalog_path = project / "conf/test/catalog.yml"
    catalog = yaml.safe_load(catalog_path.read_text())
    catalog["raw_transactions"] = {
        "type": "pandas.CSVDataset",
        "filepath": str(RAW),
        "load_args": {"encoding": "cp1252", "dtype": "str", "keep_default_na": False},
    }
    catalog_path.write_text(yaml.safe_dump(catalog))
    goes_on(project)
    assert "\u2019BEST\u2019 MUG \u20ac5" in set(pd.read_parquet(project / CLEAN)["description"])


def test_ids_a_spreadsheet_wrote_in_scientific_notation_stop_the_run(project: Path):
    def scientific(lines: pd.DataFrame) -> None:
        given = lines["Customer ID"] != ""
        ids = lines.loc[given, "Customer ID"].astype(float)
        lines.loc[given, "Customer ID"] = ids.map(lambda value: f"{value:.2E}")

    edit_lines(project, scientific)
    stops(project, "column 'customer_id'", "scientific notation", "'1.23E+04'", "as text")


def test_an_invoice_written_as_nan_merges_no_orders(project: Path):
    baseline = copy_project(project.parent / "baseline")
    goes_on(baseline)
    edit_lines(project, set_loc(slice(0, 200), "Invoice", "nan"))
    goes_on(project)
    clean = pd.read_parquet(project / CLEAN)
    assert "nan" not in set(clean["invoice"])
    orders = clean["invoice"].nunique()
    assert abs(orders - pd.read_parquet(baseline / CLEAN)["invoice"].nunique()) <= 2


def test_a_bom_a_footer_and_a_repeated_header_are_read_or_rejected(project: Path):
    path = project / RAW
    lines = path.read_text().splitlines(keepends=True)
    # Excel's "CSV UTF-8" starts with a byte-order mark; two exports pasted together repeat
    # the header; a totals line closes the file
    text = "\ufeff" + "".join(lines[:3000] + [lines[0]] + lines[3000:]) + ",,,,Total,,9.99,\n"
    path.write_text(text, encoding="utf-8")
    log = goes_on(project)
    assert "2 line(s) with an unparseable invoice_date go to rejected_transactions" in log
    assert reasons(project)["unparseable_invoice_date"] == 2
    assert pd.read_parquet(project / CLEAN)["customer_id"].nunique() == 304
