"""The data_processing pipeline end to end on the project's own catalog entries."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.data_processing import create_pipeline
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import (
    TWO_SEGMENTS,
    catalog_config,
    load_parameters,
    project_catalog,
    run_pipeline,
)

RAW = """Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country
489434,85048,"15CM CHRISTMAS GLASS BALL, 20 LIGHTS",12,2009-12-01 07:45:00,6.95,13085,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom
489434,79323P,PINK CHERRY LIGHTS,12,2009-12-01 07:45:00,6.75,13085,United Kingdom
489435,22350,CAT BOWL,12,2009-12-02 07:46:00,2.55,13085.0,United Kingdom
489436,POST,POSTAGE,1,2009-12-01 09:06:00,18.00,13078,Germany
489437,22195,HEART MEASURING SPOONS,24,2009-12-03 09:08:00,1.65,,United Kingdom
C489449,22195,HEART MEASURING SPOONS,-6,2009-12-04 10:33:00,1.65,13085,United Kingdom
489450,21871,SAVE THE PLANET MUG,6,2009-12-05 10:33:00,0,13078,Germany
489451,21871,SAVE THE PLANET MUG,6,2009-12-05 10:33:00,1.25,13078,Germany
489452,22350,CAT BOWL,4,2009-12-04 12:10:00,2.55,12682,France
"""


def write_raw(root, text: str = RAW) -> None:
    path = root / "data" / "01_raw" / "transactions.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_raw_equals_clean_plus_rejected(tmp_path):
    write_raw(tmp_path)
    catalog = project_catalog(tmp_path)
    run_pipeline(
        create_pipeline(),
        catalog,
        {"data_processing": load_parameters("data_processing"), **TWO_SEGMENTS},
    )

    clean = pd.read_parquet(tmp_path / "data/02_intermediate/clean_transactions.parquet")
    rejected = pd.read_parquet(tmp_path / "data/02_intermediate/rejected_transactions.parquet")
    summary = catalog.load("data_quality_summary")
    assert len(clean) + len(rejected) == 10 == summary["raw_lines"]
    assert summary["rejected_by_reason"] == {
        "duplicate_line": 1,
        "missing_customer_id": 1,
        "non_positive_price": 1,
        "non_product_code": 1,
    }
    assert sorted(clean["customer_id"].unique()) == ["12682", "13078", "13085"]
    assert clean["is_return"].sum() == 1 == summary["return_lines"]
    # the rejected line keeps its original text, e.g. the empty customer id
    assert set(rejected.columns) >= {"invoice", "customer_id", "reason"}


def test_bad_mapping_fails_before_anything_is_written(tmp_path):
    write_raw(tmp_path, RAW.replace("Customer ID", "CustomerID"))
    catalog = project_catalog(tmp_path)
    with pytest.raises(InputValidationError, match="column 'Customer ID'"):
        run_pipeline(
            create_pipeline(),
            catalog,
            {"data_processing": load_parameters("data_processing"), **TWO_SEGMENTS},
        )
    assert not (tmp_path / "data" / "02_intermediate").exists()
    assert not (tmp_path / "data" / "08_reporting").exists()


def run_stage(root, overrides=None):
    """Run data_processing under ``root``; return its catalog."""
    catalog = project_catalog(root, overrides)
    parameters = {"data_processing": load_parameters("data_processing"), **TWO_SEGMENTS}
    return run_pipeline(create_pipeline(), catalog, parameters)


def read_sorted(path) -> pd.DataFrame:
    frame = pd.read_parquet(path)
    return frame.sort_values(list(frame.columns), ignore_index=True)


def test_a_typed_parquet_export_gives_the_csv_outcome(tmp_path):
    write_raw(tmp_path / "csv")
    csv_catalog = run_stage(tmp_path / "csv")
    frame = pd.read_csv(io.StringIO(RAW), dtype=str, keep_default_na=False)
    frame["Quantity"] = frame["Quantity"].astype("int64")
    frame["Price"] = frame["Price"].astype("float64")
    parquet = tmp_path / "export.parquet"
    frame.to_parquet(parquet, index=False)
    entry = catalog_config({"raw_transactions"})["raw_transactions"]
    entry = {**entry, "filepath": str(parquet), "file_format": "parquet", "load_args": {}}
    parquet_catalog = run_stage(tmp_path / "parquet", {"raw_transactions": entry})

    clean = "data/02_intermediate/clean_transactions.parquet"
    pd.testing.assert_frame_equal(
        read_sorted(tmp_path / "parquet" / clean), read_sorted(tmp_path / "csv" / clean)
    )
    csv_summary = csv_catalog.load("data_quality_summary")
    assert parquet_catalog.load("data_quality_summary") == csv_summary


def test_the_default_data_gives_the_same_bytes_on_every_run(tmp_path):
    text = (PROJECT_ROOT / "data" / "01_raw" / "transactions.csv").read_text()
    outputs = []
    for run in ("first", "second"):
        write_raw(tmp_path / run, text)
        run_stage(tmp_path / run)
        outputs.append(
            [
                (tmp_path / run / "data/02_intermediate" / name).read_bytes()
                for name in ("clean_transactions.parquet", "rejected_transactions.parquet")
            ]
        )
    assert outputs[0] == outputs[1]


def test_a_snapshot_before_the_last_invoice_fails_before_anything_is_written(tmp_path):
    # the last invoice of RAW is 2009-12-05: feature_engineering would see negative recency
    write_raw(tmp_path)
    catalog = project_catalog(tmp_path)
    overrides = {**TWO_SEGMENTS, "feature_engineering": {"snapshot_date": "2009-12-05"}}
    with pytest.raises(InputValidationError) as error:
        run_pipeline(create_pipeline(), catalog, overrides)
    message = str(error.value)
    assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
    assert "snapshot 2009-12-05 is on or before the last invoice (2009-12-05)" in message
    assert not (tmp_path / "data" / "02_intermediate").exists()
