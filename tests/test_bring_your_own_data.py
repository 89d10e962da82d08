"""Other shapes of invoice data, each run by configuration alone (an environment in conf/).

Every test writes the same slice of the default data in another shape, adds an environment
with only the catalog entry and parameters that differ from base, and runs
``data_processing`` + ``feature_engineering`` in a temporary copy of the project. Where the
shape carries the same information, the customer features must equal the base run's.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from customer_segmentation.errors import InputValidationError
from tests.conftest import PROJECT_ROOT, copy_project, run_kedro

pytestmark = pytest.mark.slow

SLICE_LINES = 3000
TRANSACTION_STAGES = ["data_processing", "feature_engineering"]
FEATURES = "data/04_feature/customer_features.parquet"


def default_slice() -> pd.DataFrame:
    """The first lines of the embedded default data, every column as text."""
    return pd.read_csv(PROJECT_ROOT / "data/01_raw/transactions.csv", dtype=str, nrows=SLICE_LINES)


def add_environment(project: Path, env: str, catalog: str, parameters: str = "") -> None:
    folder = project / "conf" / env
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "catalog.yml").write_text(textwrap.dedent(catalog))
    (folder / "parameters.yml").write_text(textwrap.dedent(parameters))


def run(project: Path, env: str | None = None, pipelines=TRANSACTION_STAGES) -> None:
    bootstrap_project(project)
    with KedroSession.create(project_path=project, env=env) as session:
        session.run(pipeline_names=list(pipelines))


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    """A project copy whose base raw data is the slice; Kedro runs from its root."""
    root = copy_project(tmp_path / "project")
    default_slice().to_csv(root / "data/01_raw/transactions.csv", index=False)
    monkeypatch.chdir(root)
    return root


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> pd.DataFrame:
    """Customer features of the slice read through the base configuration."""
    root = copy_project(tmp_path_factory.mktemp("baseline") / "project")
    default_slice().to_csv(root / "data/01_raw/transactions.csv", index=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        run(root)
    return pd.read_parquet(root / FEATURES)


def features(project: Path) -> pd.DataFrame:
    return pd.read_parquet(project / FEATURES)


IBIS_CSV = """\
raw_transactions:
  type: ibis.FileDataset
  filepath: {path}
  file_format: csv
  table_name: raw_transactions
  connection: ${{globals:transaction_engine}}
  load_args:
    all_varchar: true
    header: true
    delim: "{delim}"
"""


def test_other_column_names_semicolons_day_first_dates_and_decimal_commas(project, baseline):
    lines = default_slice().rename(
        columns={
            "Invoice": "Rechnung",
            "StockCode": "Artikel",
            "Description": "Bezeichnung",
            "Quantity": "Menge",
            "InvoiceDate": "Datum",
            "Price": "Preis",
            "Customer ID": "Kundennummer",
            "Country": "Land",
        }
    )
    lines["Datum"] = pd.to_datetime(lines["Datum"]).dt.strftime("%d.%m.%Y %H:%M")
    lines["Preis"] = lines["Preis"].str.replace(".", ",")
    lines.to_csv(project / "data/01_raw/export.csv", sep=";", index=False)
    add_environment(
        project,
        "shop_de",
        IBIS_CSV.format(path="data/01_raw/export.csv", delim=";"),
        """\
        data_processing:
          column_mapping:
            invoice: Rechnung
            stock_code: Artikel
            description: Bezeichnung
            quantity: Menge
            invoice_date: Datum
            price: Preis
            customer_id: Kundennummer
            country: Land
          parsing:
            date_format: "%d.%m.%Y %H:%M"
            decimal_separator: ","
        """,
    )
    run(project, "shop_de")
    pd.testing.assert_frame_equal(features(project), baseline)


def test_tab_separated_text(project, baseline):
    default_slice().to_csv(project / "data/01_raw/export.tsv", sep="\t", index=False)
    add_environment(project, "tabs", IBIS_CSV.format(path="data/01_raw/export.tsv", delim="\\t"))
    run(project, "tabs")
    pd.testing.assert_frame_equal(features(project), baseline)


def test_parquet_with_typed_columns(project, baseline):
    lines = default_slice()
    lines["Quantity"] = lines["Quantity"].astype("int64")
    lines["Price"] = lines["Price"].astype("float64")
    lines["InvoiceDate"] = pd.to_datetime(lines["InvoiceDate"])
    lines.to_parquet(project / "data/01_raw/export.parquet", index=False)
    add_environment(
        project,
        "parquet",
        """\
        raw_transactions:
          type: ibis.FileDataset
          filepath: data/01_raw/export.parquet
          file_format: parquet
          table_name: raw_transactions
          connection: ${globals:transaction_engine}
        """,
    )
    run(project, "parquet")
    pd.testing.assert_frame_equal(features(project), baseline)


def test_excel_workbook_with_a_sheet_per_year(project, baseline):
    lines = default_slice()
    lines["Quantity"] = lines["Quantity"].astype("int64")
    lines["Price"] = lines["Price"].astype("float64")
    lines["InvoiceDate"] = pd.to_datetime(lines["InvoiceDate"])
    cut = len(lines) // 2
    with pd.ExcelWriter(project / "data/01_raw/online_retail.xlsx") as workbook:
        lines.iloc[:cut].to_excel(workbook, sheet_name="Year 2009-2010", index=False)
        lines.iloc[cut:].to_excel(workbook, sheet_name="Year 2010-2011", index=False)
    add_environment(
        project,
        "workbook",
        """\
        raw_transactions:
          type: pandas.ExcelDataset
          filepath: data/01_raw/online_retail.xlsx
          load_args:
            sheet_name: null
            dtype: str
        """,
    )
    run(project, "workbook")
    pd.testing.assert_frame_equal(features(project), baseline)


def test_table_in_a_duckdb_database_file(project, baseline):
    with duckdb.connect(str(project / "data/01_raw/shop.duckdb")) as connection:
        connection.register("slice", default_slice())
        connection.execute("CREATE TABLE invoice_lines AS SELECT * FROM slice")
    add_environment(
        project,
        "warehouse",
        """\
        raw_transactions:
          type: ibis.TableDataset
          table_name: invoice_lines
          connection: ${globals:transaction_engine}
        """,
    )
    (project / "conf/warehouse/globals.yml").write_text(
        "transaction_engine:\n"
        "  backend: duckdb\n"
        "  database: data/01_raw/shop.duckdb\n"
        "  autoinstall_known_extensions: false\n"
        "  autoload_known_extensions: false\n"
    )
    run(project, "warehouse")
    pd.testing.assert_frame_equal(features(project), baseline)


def test_no_invoice_id_and_yyyymmdd_integer_dates(project):
    lines = default_slice().drop(columns=["Invoice"])
    stamps = pd.to_datetime(lines["InvoiceDate"])
    lines["InvoiceDate"] = stamps.dt.strftime("%Y%m%d").astype("int64")
    lines.to_csv(project / "data/01_raw/export.csv", index=False)
    add_environment(
        project,
        "daily",
        IBIS_CSV.format(path="data/01_raw/export.csv", delim=","),
        """\
        data_processing:
          column_mapping:
            invoice: null
          parsing:
            date_format: "%Y%m%d"
        """,
    )
    run(project, "daily")
    result = features(project).set_index("customer_id")
    clean = pd.read_parquet(project / "data/02_intermediate/clean_transactions.parquet")
    orders = clean[~clean["is_return"]]
    # one order per customer and day
    days = orders.groupby("customer_id")["invoice_date"].nunique()
    pd.testing.assert_series_equal(
        result["frequency"], days.rename("frequency").astype("int64"), check_names=False
    )


def test_whitespace_separated_without_products(project, baseline):
    lines = default_slice().drop(columns=["StockCode", "Description"])
    lines["Country"] = lines["Country"].str.replace(" ", "_")
    lines["Customer ID"] = lines["Customer ID"].fillna("NA")
    # no field may contain the separator: the date and the time become two columns
    lines[["InvoiceDate", "Time"]] = lines["InvoiceDate"].str.split(" ", expand=True)
    lines = lines[["Invoice", "Quantity", "InvoiceDate", "Time", "Price", "Customer ID", "Country"]]
    lines.to_csv(project / "data/01_raw/export.txt", sep=" ", index=False, header=False)
    add_environment(
        project,
        "plain_text",
        """\
        raw_transactions:
          type: pandas.CSVDataset
          filepath: data/01_raw/export.txt
          load_args:
            sep: '\\s+'
            header: null
            names: [invoice, qty, date, time, price, customer, country]
            dtype: str
            na_values: [NA]
        """,
        """\
        data_processing:
          column_mapping:
            invoice: invoice
            stock_code: null
            description: null
            quantity: qty
            invoice_date: date
            price: price
            customer_id: customer
            country: country
          parsing:
            date_format: "%Y-%m-%d"
        feature_engineering:
          model:
            features: [recency, frequency, monetary, avg_order_value, tenure]
            log1p_features: [recency, frequency, monetary, avg_order_value, tenure]
        """,
    )
    run(project, "plain_text")
    result = features(project)
    # product features are unknown, not faked; the customers are the same
    assert result["distinct_products"].isna().all()
    assert set(result["customer_id"]) == set(baseline["customer_id"])
    model_input = pd.read_parquet(project / "data/05_model_input/model_input.parquet")
    assert "distinct_products" not in model_input


def test_a_wrong_mapping_names_the_column_and_the_environment_file(project):
    default_slice().rename(columns={"Customer ID": "CustomerID"}).to_csv(
        project / "data/01_raw/export.csv", index=False
    )
    add_environment(project, "my_shop", IBIS_CSV.format(path="data/01_raw/export.csv", delim=","))
    with pytest.raises(InputValidationError, match="column 'Customer ID'.*CustomerID"):
        run(project, "my_shop")
    # as a user runs it: one line naming the file of the environment to fix
    result = run_kedro(project, "run", "--env", "my_shop", check=False)
    assert result.returncode == 1
    assert "conf/my_shop/parameters_data_processing.yml" in result.stderr
    assert not (project / "data/02_intermediate").exists()
