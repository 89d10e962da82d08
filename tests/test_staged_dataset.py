"""The raw export read once per run: ``StagedFileDataset`` copies a CSV to Parquet on first load."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from kedro.io import DataCatalog

CSV = "Invoice,Quantity,Customer ID\n489434,12,13085.0\n489435, 0012 ,\n"
CONNECTION = {
    "backend": "duckdb",
    "database": ":memory:",
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}


def staged_catalog(root: Path, export: Path, file_format: str) -> DataCatalog:
    return DataCatalog.from_config(
        {
            "raw_transactions": {
                "type": "customer_segmentation.datasets.StagedFileDataset",
                "filepath": str(export),
                "file_format": file_format,
                "table_name": "raw_transactions",
                "connection": CONNECTION,
                "load_args": {"all_varchar": True, "header": True} if file_format == "csv" else {},
                "staged_filepath": str(root / "tmp" / "raw_transactions.parquet"),
                "staged_save_args": {"compression": "uncompressed"},
            }
        }
    )


def test_a_csv_is_copied_once_as_text_and_read_from_the_copy(tmp_path: Path):
    export = tmp_path / "export.csv"
    export.write_text(CSV)
    catalog = staged_catalog(tmp_path, export, "csv")
    first = catalog.load("raw_transactions")
    staged = tmp_path / "tmp" / "raw_transactions.parquet"
    assert staged.exists()
    copied_at = staged.stat().st_mtime_ns
    # the export changes after the first load: the run keeps reading what it read first
    export.write_text(CSV.replace("489434", "999999"))
    second = catalog.load("raw_transactions")
    assert staged.stat().st_mtime_ns == copied_at
    for table in (first, second):
        frame = table.execute()
        assert list(frame.columns) == ["Invoice", "Quantity", "Customer ID"]
        assert all(str(dtype) in ("object", "str", "string") for dtype in frame.dtypes)
        assert frame["Invoice"].tolist() == ["489434", "489435"]
        assert frame["Quantity"].tolist() == ["12", " 0012 "]
        assert frame["Customer ID"].iloc[0] == "13085.0"


def test_a_parquet_export_is_read_directly(tmp_path: Path):
    export = tmp_path / "export.parquet"
    pd.DataFrame({"Invoice": ["489434"], "Quantity": [12]}).to_parquet(export, index=False)
    table = staged_catalog(tmp_path, export, "parquet").load("raw_transactions")
    assert not (tmp_path / "tmp").exists()
    assert table.execute()["Quantity"].tolist() == [12]
