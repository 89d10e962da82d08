"""The earlier-version datasets, through a catalog as a run builds it (save version = run)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.io.core import DatasetError

RUNS = ("2026-09-30T08.00.00.000Z", "2026-10-31T08.00.00.000Z", "2026-11-30T08.00.00.000Z")


def catalog(root: Path, save_version: str, **pinned: str) -> DataCatalog:
    path = str(root / "customer_segments.parquet")
    return DataCatalog.from_config(
        {
            "customer_segments": {
                "type": "pandas.ParquetDataset",
                "filepath": path,
                "versioned": True,
            },
            "previous_customer_segments": {
                "type": "customer_segmentation.datasets.PreviousParquetDataset",
                "filepath": path,
                "versioned": True,
            },
            "segments_before_this_run": {
                "type": "customer_segmentation.datasets.PreviousParquetDataset",
                "filepath": path,
                "versioned": True,
                "before": "this_run",
            },
        },
        load_versions=pinned,
        save_version=save_version,
    )


def month(number: int) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": ["a", "b"], "segment": [f"month {number}"] * 2})


def run(root: Path, number: int) -> DataCatalog:
    """Save month ``number``'s segments the way the run of that month does."""
    runs = catalog(root, RUNS[number])
    runs.save("customer_segments", month(number))
    return runs


def segment(frame: pd.DataFrame | None) -> str | None:
    return None if frame is None else frame["segment"].iloc[0]


def test_the_first_run_has_nothing_to_compare_with(tmp_path: Path):
    first = run(tmp_path, 0)
    assert first.load("previous_customer_segments") is None
    assert first.load("segments_before_this_run") is None


def test_before_latest_is_last_month_in_the_run_and_after_it(tmp_path: Path):
    run(tmp_path, 0)
    same_run = run(tmp_path, 1)
    assert segment(same_run.load("previous_customer_segments")) == "month 0"
    later_run = catalog(tmp_path, RUNS[2])  # e.g. `kedro run --pipelines monitoring`
    assert segment(later_run.load("previous_customer_segments")) == "month 0"
    assert segment(later_run.load("customer_segments")) == "month 1"


def test_before_this_run_is_the_last_finished_run_before_it_writes(tmp_path: Path):
    run(tmp_path, 0)
    run(tmp_path, 1)
    this_run = catalog(tmp_path, RUNS[2])
    assert segment(this_run.load("segments_before_this_run")) == "month 1"
    this_run.save("customer_segments", month(2))
    assert segment(this_run.load("segments_before_this_run")) == "month 1"


def test_a_pinned_version_is_read_as_it_is(tmp_path: Path):
    for number in range(3):
        run(tmp_path, number)
    pinned = catalog(tmp_path, "2026-12-31T08.00.00.000Z", previous_customer_segments=RUNS[0])
    assert segment(pinned.load("previous_customer_segments")) == "month 0"


def test_an_earlier_version_is_never_written(tmp_path: Path):
    runs = run(tmp_path, 0)
    with pytest.raises(DatasetError, match="never saved"):
        runs.save("previous_customer_segments", month(5))
