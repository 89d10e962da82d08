"""The monthly routine, run as a user runs it: fit, score, next month, see who moved.

Month two is made by :mod:`customer_segmentation.generators.monthly` from the test export:
the same customers, a tenth of them planted to behave like another group, so the truth of
who moved where is known.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from customer_segmentation.generators.monthly import next_month
from tests.conftest import copy_project, latest, run_kedro
from tests.reliability.test_bad_input import one_error_line

pytestmark = pytest.mark.slow

RAW = Path("data/01_raw/transactions_test.csv")
PLANTED = Path("data/01_raw/planted_segments_test.csv")
SEGMENTS = "data/07_model_output/customer_segments.parquet"


def segments_of(project: Path, name: str = SEGMENTS) -> pd.Series:
    frame = pd.read_parquet(latest(project / name))
    return frame.set_index("customer_id")["segment"]


def write_next_month(project: Path, move_share: float, price_factor: float = 1.0) -> pd.DataFrame:
    lines = pd.read_csv(project / RAW, dtype=str, keep_default_na=False)
    planted = pd.read_csv(project / PLANTED, dtype=str)
    month, truth = next_month(lines, planted, move_share, seed=8, price_factor=price_factor)
    month.to_csv(project / RAW, index=False)
    return truth.set_index("customer_id")


def reports(project: Path, name: str):
    path = latest(project / "data/08_reporting" / name)
    return json.loads(path.read_text()) if path.suffix == ".json" else pd.read_csv(path)


def after_first_month(first_month: Path, tmp_path: Path) -> Path:
    """A copy of the project as month one's run left it (its outputs are the last run's)."""
    return Path(shutil.copytree(first_month, tmp_path / "project"))


@pytest.fixture(scope="module")
def first_month(tmp_path_factory: pytest.TempPathFactory) -> Path:
    project = copy_project(tmp_path_factory.mktemp("monthly") / "project")
    run_kedro(project, "run", "--env", "test")
    return project


def test_scoring_the_training_export_gives_the_run_segments(first_month: Path):
    stdout = run_kedro(first_month, "run", "--env", "test", "--pipelines", "scoring").stdout
    scored = segments_of(first_month, "data/07_model_output/scored_customers.parquet")
    assert f"Scored {len(scored):,} customers with the saved model" in stdout
    assert "changed segment since the last fitted run: 0" in stdout
    assert "Scored customers: data/07_model_output/scored_customers.parquet/" in stdout
    fitted = segments_of(first_month)
    assert scored.sort_index().equals(fitted.sort_index())
    # who moved since the fitted run: nobody, every segment kept all its customers
    migration = reports(first_month, "scoring_migration.csv")
    assert (migration["segment_before"] == migration["segment_now"]).all()
    assert migration["customers"].sum() == len(fitted)
    assert reports(first_month, "monitoring_summary.json")["recommendation"] == "first run"


def test_next_month_shows_who_moved_and_keeps_the_names(first_month: Path, tmp_path: Path):
    project = after_first_month(first_month, tmp_path)
    before = segments_of(project)
    planted = pd.read_csv(project / PLANTED, dtype=str).set_index("customer_id")["segment"]
    # the segment each planted group got in month one
    name_of = pd.crosstab(planted, before.reindex(planted.index)).idxmax(axis=1)
    truth = write_next_month(project, move_share=0.1)
    run_kedro(project, "run", "--env", "test")
    after = segments_of(project)

    stayed = truth.index[truth["segment"] == truth["segment_before"]].intersection(after.index)
    kept_name = (before[stayed] == after[stayed]).mean()
    assert kept_name >= 0.99, kept_name
    moved = truth[truth["segment"] != truth["segment_before"]]
    moved = moved[moved.index.isin(after.index)]
    recovered = (
        (before[moved.index] == moved["segment_before"].map(name_of))
        & (after[moved.index] == moved["segment"].map(name_of))
    ).mean()
    assert recovered >= 0.95, recovered

    summary = reports(project, "monitoring_summary.json")
    assert abs(summary["moved_customers"] - len(moved)) <= 0.05 * len(truth)
    migration = reports(project, "segment_migration.csv")
    assert migration["customers"].sum() == len(before.index.union(after.index))
    # the customers did not drift: a tenth moved between groups that all stay
    drift = reports(project, "feature_drift.csv")
    assert len(drift) == 8 and summary["shifted_features"] == []


def test_a_price_rise_is_flagged_as_drift(first_month: Path, tmp_path: Path):
    project = after_first_month(first_month, tmp_path)
    write_next_month(project, move_share=0.0, price_factor=1.6)
    run_kedro(project, "run", "--env", "test", "--pipelines", "scoring")
    drift = reports(project, "scoring_drift.csv").set_index("feature")
    # the same customers with dearer orders: some move up, and it is counted
    changes = reports(project, "scoring_segment_changes.csv")
    assert changes["customers_now"].sum() == changes["customers_before"].sum()
    assert drift.loc["monetary", "verdict"] == "shift"
    assert drift.loc["frequency", "verdict"] == "stable"
    # a re-fit month says the same, and recommends the re-fit it made
    run_kedro(project, "run", "--env", "test")
    summary = reports(project, "monitoring_summary.json")
    assert "monetary" in summary["shifted_features"]
    assert "frequency" not in summary["shifted_features"]
    assert summary["recommendation"] == "re-fit"


def new_files(project: Path, since: set[Path]) -> list[Path]:
    return sorted(
        path for path in (project / "data").rglob("*") if path.is_file() and path not in since
    )


def test_scoring_a_model_version_that_does_not_exist_is_one_line(first_month: Path, tmp_path: Path):
    project = after_first_month(first_month, tmp_path)
    error = one_error_line(
        project,
        (
            "--env",
            "test",
            "--pipelines",
            "scoring",
            "--load-versions",
            "segmentation_model:2000-01-01T00.00.00.000Z",
        ),
    )
    assert "dataset 'segmentation_model': version 2000-01-01T00.00.00.000Z does not exist" in error
    assert "saved versions, newest first: " in error


def test_scoring_an_export_in_another_unit_stops_before_writing_its_segments(
    first_month: Path, tmp_path: Path
):
    project = after_first_month(first_month, tmp_path)
    write_next_month(project, move_share=0.0, price_factor=100)  # prices in cents
    before = {path for path in (project / "data").rglob("*") if path.is_file()}
    error = one_error_line(project, ("--env", "test", "--pipelines", "scoring"))
    assert error.startswith("Error: dataset 'customer_features': ")
    assert "lie far outside the range of the customers the model was fitted on" in error
    assert not [path for path in new_files(project, before) if "07_model_output" in str(path)]


def test_an_export_of_a_handful_of_new_customers_is_scored(first_month: Path, tmp_path: Path):
    # fewer customers than the largest K the main run tries: scoring fits nothing
    project = after_first_month(first_month, tmp_path)
    lines = pd.read_csv(project / RAW, dtype=str, keep_default_na=False)
    customers = [c for c in lines["Customer ID"].unique() if c][:5]
    lines[lines["Customer ID"].isin(customers)].to_csv(project / RAW, index=False)
    run_kedro(project, "run", "--env", "test", "--pipelines", "scoring")
    scored = segments_of(project, "data/07_model_output/scored_customers.parquet")
    assert len(scored) == 5
