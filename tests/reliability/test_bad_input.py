"""Bad input, case by case, run as a user runs it: `kedro run` in a copy of the project.

Each case breaks one thing (the data, the catalog or a parameter) of the `test` environment
and expects the run to stop with exit status 1, a one-line `Error:` on stderr naming where
the problem is, and no output written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_project, editable_test_env_catalog, kedro_env, run_kedro

pytestmark = pytest.mark.slow

RAW = Path("data/01_raw/transactions_test.csv")
CUSTOMER_TABLE = ("--env", "customer_table", "--pipelines", "customer_table")
HEADER = "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"


def set_parameter(project: Path, dotted: str, value) -> None:
    """Write one parameter into the test environment's parameters file."""
    path = project / "conf/test/parameters.yml"
    parameters = yaml.safe_load(path.read_text()) or {}
    node = parameters
    *parents, leaf = dotted.split(".")
    for key in parents:
        node = node.setdefault(key, {})
    node[leaf] = value
    path.write_text(yaml.safe_dump(parameters))


def rewrite_raw(project: Path, edit: Callable[[list[str]], list[str]]) -> None:
    path = project / RAW
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(edit(lines)))


def replace_column(index: int, value: str) -> Callable[[list[str]], list[str]]:
    """Set one (comma-free) column of every data line to ``value``."""

    def edit(lines: list[str]) -> list[str]:
        rows = [lines[0]]
        for line in lines[1:]:
            # Description may hold quoted commas: split from the right for the last columns
            head, *tail = line.rstrip("\n").rsplit(",", 8 - index)
            tail[0] = value
            rows.append(",".join([head, *tail]) + "\n")
        return rows

    return edit


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path], None]
    expected: tuple[str, ...]
    run_args: tuple[str, ...] = ("--env", "test")
    # data layers a failing run may have written before the check could see the problem
    may_write: tuple[str, ...] = ()


CASES = [
    Case(
        "missing file",
        lambda p: (p / RAW).unlink(),
        ("raw_transactions", "transactions_test.csv"),
    ),
    Case("empty file", lambda p: (p / RAW).write_text(""), ("raw_transactions",)),
    Case(
        "header only", lambda p: (p / RAW).write_text(HEADER), ("raw_transactions", "no data rows")
    ),
    Case(
        "mapped column missing",
        lambda p: set_parameter(p, "data_processing.column_mapping.customer_id", "Client"),
        ("column 'Client'", "conf/test/parameters_data_processing.yml"),
    ),
    Case(
        "text in quantity",
        lambda p: rewrite_raw(p, replace_column(3, "six")),
        ("column 'quantity'", "do not parse"),
    ),
    Case(
        "infinite prices",
        lambda p: rewrite_raw(p, replace_column(5, "inf")),
        ("column 'price'", "do not parse"),
    ),
    Case(
        "unparseable dates",
        lambda p: set_parameter(p, "data_processing.parsing.date_format", "%d/%m/%Y %H:%M"),
        ("column 'invoice_date'", "date_format"),
    ),
    Case(
        "all lines rejected",
        lambda p: rewrite_raw(p, replace_column(6, "")),
        ("raw_transactions", "every line was rejected"),
    ),
    Case(
        "K range reversed",
        lambda p: set_parameter(p, "model_selection.k_range", {"min": 8, "max": 3}),
        ("model_selection.k_range",),
    ),
    Case(
        "share outside 0..1",
        lambda p: set_parameter(p, "model_selection.min_segment_share", 1.5),
        ("model_selection.min_segment_share",),
    ),
    Case(
        "unknown scaler",
        lambda p: set_parameter(p, "model_selection.scalers", ["standard", "zscore"]),
        ("model_selection.scalers", "zscore"),
    ),
    Case(
        "forced K outside the grid",
        lambda p: set_parameter(p, "model_selection.forced_k", 40),
        ("model_selection.forced_k",),
    ),
]


def keep_customers(count: int) -> Callable[[list[str]], list[str]]:
    """Keep only the lines of the first ``count`` customers (and the header)."""

    def edit(lines: list[str]) -> list[str]:
        kept: list[str] = []
        customers: set[str] = set()
        for line in lines[1:]:
            customer = line.rstrip("\n").rsplit(",", 2)[1]
            if customer and (customer in customers or len(customers) < count):
                customers.add(customer)
                kept.append(line)
        return [lines[0], *kept]

    return edit


def use_raw_file(project: Path, name: str, content: bytes, file_format: str) -> None:
    """Point the test environment's raw_transactions at a new file."""
    (project / "data/01_raw" / name).write_bytes(content)
    catalog_path = project / "conf/test/catalog.yml"
    catalog = editable_test_env_catalog(project)
    entry = catalog["raw_transactions"]
    entry["filepath"] = f"data/01_raw/{name}"
    entry["file_format"] = file_format
    if file_format != "csv":
        entry.pop("load_args", None)
    catalog_path.write_text(yaml.safe_dump(catalog))


def use_excel_file(project: Path, content: bytes) -> None:
    """Point the test environment's raw_transactions at an Excel workbook (read by pandas)."""
    (project / "data/01_raw/export.xlsx").write_bytes(content)
    catalog_path = project / "conf/test/catalog.yml"
    catalog = editable_test_env_catalog(project)
    catalog["raw_transactions"] = {
        "type": "pandas.ExcelDataset",
        "filepath": "data/01_raw/export.xlsx",
        "load_args": {"sheet_name": None, "dtype": "str"},
    }
    catalog_path.write_text(yaml.safe_dump(catalog))


CASES += [
    Case(
        "corrupt Excel workbook",
        # a zip header and nothing after it: what a truncated download looks like
        lambda p: use_excel_file(p, b"PK\x03\x04 truncated"),
        ("dataset 'raw_transactions'", "could not be read", "conf/test/catalog.yml"),
    ),
    Case(
        "corrupt parquet",
        lambda p: use_raw_file(p, "export.parquet", b"PAR1 not really parquet", "parquet"),
        ("dataset 'raw_transactions'", "could not be read", "conf/test/catalog.yml"),
    ),
    Case(
        "non-UTF-8 CSV",
        lambda p: use_raw_file(
            p,
            "export.csv",
            (p / RAW).read_text().replace("United Kingdom", "Großbritannien").encode("latin-1"),
            "csv",
        ),
        ("dataset 'raw_transactions'", "not utf-8 encoded", "load_args"),
    ),
    Case(
        "single customer",
        lambda p: rewrite_raw(p, keep_customers(1)),
        ("only 1 customer(s) have an order", "model_selection.k_range"),
    ),
    Case(
        "fewer customers than the largest K",
        lambda p: rewrite_raw(p, keep_customers(6)),
        ("model_selection.k_range",),
    ),
    Case(
        # a silhouette on K segments needs K + 1 customers: found before anything is written,
        # not after the trials and plots of model_selection
        "exactly as many customers as the largest K (10)",
        lambda p: rewrite_raw(p, keep_customers(10)),
        ("only 10 customer(s) have an order", "needs at least 11", "model_selection.k_range"),
    ),
]


def mix_date_formats(lines: list[str]) -> list[str]:
    """Write every other date day-first (01/12/2010 08:26) instead of ISO."""
    rows = [lines[0]]
    for number, line in enumerate(lines[1:]):
        head, date, *tail = line.rsplit(",", 4)
        if number % 2:
            day, time = date.split(" ")
            year, month, dom = day.split("-")
            date = f"{dom}/{month}/{year} {time[:5]}"
        rows.append(",".join([head, date, *tail]))
    return rows


def duplicate_first_customer(project: Path) -> None:
    path = project / "data/01_raw/customers.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join([*lines, lines[1]]))


CASES += [
    Case(
        "mixed date formats beyond the threshold",
        lambda p: rewrite_raw(p, mix_date_formats),
        ("column 'invoice_date'", "do not parse", "max_unparseable_share"),
    ),
    Case(
        "snapshot before the last invoice (negative recency)",
        lambda p: set_parameter(p, "feature_engineering.snapshot_date", "2010-06-30"),
        ("feature_engineering.snapshot_date", "recency would be negative"),
    ),
    Case(
        "duplicate customer ids in a customer table",
        duplicate_first_customer,
        ("raw_customers", "C13278"),
        run_args=CUSTOMER_TABLE,
    ),
]


def rewrite_stock_codes(project: Path, code: str) -> None:
    """Give every invoice line the same stock code."""
    path = project / RAW
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    lines["StockCode"] = code
    lines.to_csv(path, index=False)


def rewrite_customers(project: Path, column: str, value: str) -> None:
    """Set one column of every row of the customer-table example to ``value``."""
    path = project / "data/01_raw/customers.csv"
    header, *rows = path.read_text().splitlines()
    index = header.split(",").index(column)
    cells = [row.split(",") for row in rows]
    for row in cells:
        row[index] = value
    path.write_text("\n".join([header, *(",".join(row) for row in cells)]) + "\n")


def rename_group(project: Path, group: str, wrong: str) -> None:
    """Write the test environment's ``group`` parameters under a misspelled group name."""
    path = project / "conf/test/parameters.yml"
    parameters = yaml.safe_load(path.read_text())
    parameters[wrong] = parameters.pop(group)
    path.write_text(yaml.safe_dump(parameters))


CASES += [
    Case(
        "misspelled parameter key",
        lambda p: set_parameter(p, "model_selection.study.n_trails", 5),
        ("parameter 'model_selection.study.n_trails'", "did you mean 'n_trials'"),
    ),
    Case(
        "misspelled parameter group",
        lambda p: rename_group(p, "clustering", "clustring"),
        ("parameter 'clustring'", "did you mean 'clustering'"),
    ),
    Case(
        "parameter of the wrong type",
        lambda p: set_parameter(p, "clustering.stability.n_bootstrap", "twenty"),
        ("parameter 'clustering.stability.n_bootstrap'", "'twenty'"),
    ),
    Case(
        "constant feature",
        lambda p: rewrite_customers(p, "spending_score", "50"),
        (
            "column 'spending_score'",
            "one value",
            "conf/customer_table/parameters_customer_table.yml",
        ),
        run_args=CUSTOMER_TABLE,
    ),
    Case(
        "constant feature in invoice lines (one product for everyone)",
        lambda p: rewrite_stock_codes(p, "85123A"),
        ("dataset 'customer_features', column 'distinct_products'", "every customer"),
        # known only once customers are aggregated: the lines and the customer table are
        # rewritten (and recorded as incomplete, so a partial run will not read them); the
        # data-quality summary this run wrote is removed with its failure; no model, segment
        # or report
        may_write=("02_intermediate", "03_primary", "04_feature", ".incomplete.json"),
    ),
    Case(
        "all-missing feature",
        lambda p: rewrite_customers(p, "age", ""),
        ("column 'age'", "missing"),
        run_args=CUSTOMER_TABLE,
    ),
]


def written_outputs(project: Path, allowed: tuple[str, ...] = ()) -> list[Path]:
    return [
        path
        for path in (project / "data").rglob("*")
        if path.is_file() and not {"01_raw", *allowed} & set(path.parts)
    ]


def one_error_line(project: Path, run_args: tuple[str, ...]) -> str:
    """Run ``kedro run RUN_ARGS``; assert it exits 1 with one ``Error:`` line; return it."""
    result = run_kedro(project, "run", *run_args, check=False, timeout=300)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    error_lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(error_lines) == 1 and error_lines[0].startswith("Error: "), result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    return error_lines[0]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_stops_the_run_with_one_clear_line(case: Case, tmp_path: Path):
    project = copy_project(tmp_path / "project")
    case.breaks(project)
    error_line = one_error_line(project, case.run_args)
    for expected in case.expected:
        assert expected in error_line
    assert written_outputs(project, case.may_write) == []


def test_a_few_bad_lines_are_rejected_with_reasons_and_a_warning(tmp_path: Path):
    """Below the unparseable share the run goes on: the lines are kept aside, and counted."""
    project = copy_project(tmp_path / "project")
    path = project / RAW
    lines = pd.read_csv(path, dtype=str, keep_default_na=False)
    lines.loc[0:29, "Price"] = "n/a"  # 30 of 6,000: 0.5%, under the 1% that stops the run
    lines.loc[30:39, "Quantity"] = "80995"  # absurd quantities (above max_abs_quantity)
    lines.to_csv(path, index=False)
    # wide log lines: Rich wraps them at the terminal width otherwise
    result = run_kedro(
        project,
        "run",
        "--env",
        "test",
        "--pipelines",
        "data_processing",
        env=kedro_env(COLUMNS="300"),
    )
    warning = "WARNING  raw_transactions: 30 line(s) with an unparseable price go to rejected_transactions"
    assert warning in result.stdout + result.stderr
    rejected = pd.read_parquet(project / "data/02_intermediate/rejected_transactions.parquet")
    clean = pd.read_parquet(project / "data/02_intermediate/clean_transactions.parquet")
    assert len(clean) + len(rejected) == len(lines)
    reasons = rejected["reason"].value_counts()
    assert reasons["unparseable_price"] == 30
    assert reasons["quantity_above_max"] == 10
