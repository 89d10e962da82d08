"""FastCSVDataset: DuckDB writes the customer list, byte for byte as pandas would."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from kedro.io import DataCatalog

from customer_segmentation.csv_writer import duckdb_ready, write_csv
from customer_segmentation.datasets import FastCSVDataset


@pytest.fixture
def frame() -> pd.DataFrame:
    """Every case where the two writers could differ: quotes, empty texts, floats' text."""
    return pd.DataFrame(
        {
            "customer_id": ["1", "b,c", 'q"x', "", None, "line\nbreak", " lead", "ünï"],
            "segment": pd.Series(["a", "b", "", "c", "d", None, "e", "f"], dtype="str"),
            "ratio": [0.0, 1e-5, 1e16, 1.2345678901234568e17, np.nan, np.inf, -0.0, 0.1 + 0.2],
            "count": np.array([1, -2, 3, 4, 5, 6, 7, 2**62], dtype="int64"),
            "small": np.array([1, 2, 3, 4, 5, 6, 7, 8], dtype="int32"),
            "flag": [True, False] * 4,
            "value": [1.5, 2.5, 1e-7, 5e-324, 1.7976931348623157e308, -np.inf, 100.0, 1e15],
        }
    )


def test_duckdb_writes_the_bytes_pandas_writes(frame, tmp_path: Path):
    ready = duckdb_ready(frame)
    assert ready is not None
    write_csv(ready, tmp_path / "duck.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "duck.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_an_empty_frame_is_its_header(frame, tmp_path: Path):
    empty = frame.iloc[:0]
    write_csv(duckdb_ready(empty), tmp_path / "duck.csv")
    assert (tmp_path / "duck.csv").read_text() == empty.to_csv(index=False)


@pytest.mark.parametrize(
    "other",
    [
        pd.DataFrame({"only": ["a", ""]}),
        pd.DataFrame({"a": [1, 2], "b": pd.to_datetime(["2026-01-01", "2026-02-01"])}),
        pd.DataFrame({"a": [1, 2], "b": pd.Series(["x", "y"], dtype="category")}),
        pd.DataFrame({"a": [1, 2], "b": pd.array([1, None], dtype="Int64")}),
        pd.DataFrame({"a": [1, 2], "b": ["x", 3]}),
        pd.DataFrame({"a": [1, 2], "b,c": [1, 2]}),
        pd.DataFrame({"a": [1.0, 2.0], "b": np.array([1.5, 2.5], dtype="float32")}),
    ],
)
def test_what_duckdb_would_write_otherwise_goes_to_pandas(other):
    assert duckdb_ready(other) is None


def test_the_dataset_saves_versions_pandas_reads_back(frame, tmp_path: Path):
    config = {"type": "customer_segmentation.datasets.FastCSVDataset", "versioned": True}
    path = str(tmp_path / "customer_list.csv")
    catalog = DataCatalog.from_config(
        {
            "fast": {**config, "filepath": path, "load_args": {"dtype": {"customer_id": str}}},
            "fallback": {**config, "filepath": str(tmp_path / "other.csv")},
        },
        save_version="2026-11-30T08.00.00.000Z",
    )
    catalog.save("fast", frame)
    written = tmp_path / "customer_list.csv" / "2026-11-30T08.00.00.000Z" / "customer_list.csv"
    assert written.read_bytes() == frame.to_csv(index=False).encode("utf-8")
    loaded = catalog.load("fast")
    assert loaded["count"].tolist() == frame["count"].tolist()
    dates = pd.DataFrame({"a": [1], "b": pd.to_datetime(["2026-01-01"])})
    catalog.save("fallback", dates)  # pandas writes what DuckDB would write otherwise
    assert catalog.load("fallback")["b"].tolist() == ["2026-01-01"]
    assert isinstance(catalog.get("fast"), FastCSVDataset)
