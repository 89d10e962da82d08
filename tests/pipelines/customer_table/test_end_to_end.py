"""`kedro run --env customer_table --pipelines customer_table` on the shipped example table.

Run as a user runs it, in a temporary copy of the project. The example (1,200 generated
customers, 5 planted groups that overlap at their edges) is recovered with an adjusted Rand
index of 0.95; assigning every customer to the nearest true group centre (standardized numeric
features) scores 0.94 on the same data, so >= 0.9 is what a correct pipeline reaches and a
broken encoding, weighting or imputation does not (categorical_weight 1.0 gives 0.28).
"""

from __future__ import annotations

import json
import pickle

import numpy as np
import pandas as pd
import pytest
from markupsafe import escape
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.pipelines.reporting.charts import CHART_NAMES
from customer_segmentation.pipelines.reporting.workbook import EXCEL_SHEETS
from tests.conftest import copy_project, latest, run_kedro
from tests.test_end_to_end import read_table

pytestmark = pytest.mark.slow

NAMES = {
    "Affluent Spenders",
    "Careful Affluent",
    "Budget Enthusiasts",
    "Budget Conscious",
    "Mainstream Customers",
}


#: Where the customer_table environment writes (its globals.yml data_root).
OUTPUTS = "data/customer_table"


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    project = copy_project(tmp_path_factory.mktemp("customer_table") / "project")
    run_kedro(project, "run", "--env", "customer_table", "--pipelines", "customer_table")
    return project


def test_segments_recover_the_planted_groups_with_the_environment_names(finished_run):
    project = finished_run
    data = project / OUTPUTS
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    planted = pd.read_csv(project / "data/01_raw/customers_planted.csv", dtype=str)
    features = pd.read_parquet(data / "04_feature/customer_features.parquet")
    assert set(segments["customer_id"]) == set(features["customer_id"])
    merged = segments.merge(planted, on="customer_id", suffixes=("", "_planted"))
    assert len(merged) == len(segments)
    ari = adjusted_rand_score(merged["segment_planted"], merged["cluster"])
    print(f"ARI against the planted groups: {ari:.3f}")  # noqa: T201
    assert ari >= 0.9
    assert set(segments["segment"]) == NAMES
    best = json.loads(latest(data / "06_models/best_params.json").read_text())
    assert best["k"] == 5 and best["categorical_features"] == ["gender", "city", "occupation"]


def test_every_row_is_kept_or_rejected_with_a_reason(finished_run):
    project = finished_run
    data = project / OUTPUTS
    raw_rows = len(pd.read_csv(project / "data/01_raw/customers.csv", dtype=str))
    kept = pd.read_parquet(data / "04_feature/customer_features.parquet")
    rejected = pd.read_parquet(data / "02_intermediate/rejected_customers.parquet")
    summary = json.loads(latest(data / "08_reporting/data_quality_summary.json").read_text())
    assert raw_rows == len(kept) + len(rejected) == summary["raw_rows"]
    assert set(rejected["reason"]) == {"missing_customer_id", "unparseable_age"}
    assert summary["rejected_by_reason"] == rejected["reason"].value_counts().to_dict()
    assert not (project / "data/02_intermediate").exists()  # nothing of the invoice-line path


def test_report_shows_category_shares_and_skips_revenue_and_rfm_with_a_reason(finished_run):
    project = finished_run
    reporting = project / OUTPUTS / "08_reporting"
    html = latest(reporting / "segment_report.html").read_text(encoding="utf-8")
    for name in NAMES:
        assert str(escape(name)) in html
    # every figure but the migration heat map (a first run), three of them as charts
    assert html.count('<img src="data:image/png;base64,') == 13 - len(CHART_NAMES)
    assert all(f'id="chart-{name}"' in html for name in CHART_NAMES)
    assert "Category shares" in html and "occupation" in html
    assert "share of revenue" not in html and "RFM segment mix" not in html
    assert "Customer rows read" in html and "unparseable_age" in html
    # no invoice lines, no lifetime values: the section says why (customer_value never ran)
    assert "Customer value needs invoice lines" in html
    assert "Churn risk needs invoice lines" in html
    assert not (project / OUTPUTS / "07_model_output/customer_value.parquet").exists()
    # nor campaign results: campaigns runs on the transaction path only
    assert "No campaign results" in html
    profiles = read_table(reporting / "segment_profiles.parquet")
    assert "revenue" not in profiles and "occupation=Student_share" in profiles
    workbook = pd.ExcelFile(latest(reporting / "segment_report.xlsx"))
    assert workbook.sheet_names == list(EXCEL_SHEETS)
    # the latest copies sit under the environment's data_root, beside its versioned folders
    assert (reporting / "latest/segment_report.xlsx").read_bytes() == (
        latest(reporting / "segment_report.xlsx").read_bytes()
    )
    assert not (project / "data/08_reporting/latest").exists()
    log = (project / "info.log").read_text(encoding="utf-8")  # one line per record
    assert "no revenue column 'monetary' (reporting.revenue_column): revenue and" in log
    assert "no rfm_segment column (RFM scores need invoice lines" in log
    assert "RFM scores and segments and the transaction features" in log
    assert "Naming rules skipped" not in log  # the environment's rules use its columns


def test_the_saved_model_scores_next_month_with_an_unseen_category(finished_run):
    project = finished_run
    data = project / OUTPUTS
    model = pickle.loads(latest(data / "06_models/segmentation_model.pkl").read_bytes())
    customers = pd.read_parquet(data / "04_feature/customer_features.parquet")
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    scored = model.predict(customers).set_index("customer_id")
    expected = segments.set_index("customer_id")["cluster"]
    np.testing.assert_array_equal(scored.loc[expected.index, "cluster"], expected.to_numpy())
    next_month = customers.head(5).assign(city="Glasgow", occupation=None)
    assert len(model.predict(next_month)) == 5


def test_same_table_config_and_seed_give_identical_segments(finished_run, tmp_path):
    second = copy_project(tmp_path / "second")
    run_kedro(
        second,
        "run",
        "--env",
        "customer_table",
        "--pipelines",
        "customer_table",
        "--to-outputs",
        "customer_segments",
    )
    assert not (second / OUTPUTS / "08_reporting/segment_report.html").exists()  # stopped early
    for relative in ("07_model_output/customer_segments.parquet", "06_models/best_params.json"):
        first_bytes = latest(finished_run / OUTPUTS / relative).read_bytes()
        assert latest(second / OUTPUTS / relative).read_bytes() == first_bytes, relative


def test_kedro_viz_counts_of_this_environment_stay_apart_from_the_default_one(finished_run):
    viz = finished_run / ".viz"
    stats = json.loads((viz / "stats-customer_table.json").read_text())
    segments = read_table(finished_run / OUTPUTS / "07_model_output/customer_segments.parquet")
    assert stats["customer_segments"]["rows"] == len(segments)
    # the file kedro-viz reads holds the default environment's counts: none were made here
    assert not (viz / "stats.json").exists()
