"""The whole project, run as a user runs it, in a temporary copy of the project."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from markupsafe import escape
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.pipelines.reporting.charts import CHART_NAMES
from customer_segmentation.pipelines.reporting.figures import FIGURE_NAMES
from customer_segmentation.pipelines.reporting.workbook import EXCEL_SHEETS
from tests.conftest import PROJECT_ROOT, copy_project, latest, run_kedro
from tests.test_notebooks import NOTEBOOKS, execute_notebook

pytestmark = pytest.mark.slow


def read_table(path: Path) -> pd.DataFrame:
    path = latest(path)
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path, dtype=str)


@pytest.fixture(scope="module")
def run_output(tmp_path_factory) -> tuple[Path, str]:
    project = copy_project(tmp_path_factory.mktemp("e2e") / "project")
    result = run_kedro(project, "run")
    return project, result.stdout


@pytest.fixture(scope="module")
def finished_run(run_output: tuple[Path, str]) -> Path:
    return run_output[0]


def test_a_run_ends_with_its_segments_and_where_to_read_more(run_output):
    project, stdout = run_output
    summary = stdout[stdout.index("Segments: K = 4") :]
    for name in ("Champions", "Loyal Regulars", "Lapsed / At Risk", "Occasional Buyers"):
        assert name in summary
    assert "% revenue" in summary and "Why: K=4" in summary
    assert "Since the last run: nothing to compare with yet" in summary
    report = latest(project / "data/08_reporting/segment_report.html")
    assert f"Report: {report.relative_to(project)}" in summary
    # a stable copy of the report and the workbook, beside their versioned folders
    assert (
        "Latest: data/08_reporting/latest/ "
        "(segment_report.html, segment_report.xlsx, customer_list.csv)"
    ) in summary
    copies = project / "data/08_reporting/latest"
    assert (copies / "segment_report.html").read_bytes() == report.read_bytes()
    workbook = latest(project / "data/08_reporting/segment_report.xlsx")
    assert (copies / "segment_report.xlsx").read_bytes() == workbook.read_bytes()
    # the log shows progress per node, not two lines per dataset (conf/logging.yml)
    log = stdout[: stdout.index("Segments: K = 4")]
    assert "Completed node:" in log and "out of" in log
    for quiet in ("Loading data from", "Saving data to", "Running node:", "Using 'conf/"):
        assert quiet not in log, quiet


def test_kedro_viz_shows_the_row_counts_of_the_default_environment(finished_run):
    viz = finished_run / ".viz"
    stats = json.loads((viz / "stats.json").read_text())
    assert stats == json.loads((viz / "stats-local.json").read_text())
    segments = read_table(finished_run / "data/07_model_output/customer_segments.parquet")
    assert stats["customer_segments"]["rows"] == len(segments)
    assert stats["customer_segments"]["columns"] == len(segments.columns)


def test_transaction_stages_conserve_lines_and_cover_every_planted_customer(finished_run):
    data = finished_run / "data"
    summary = json.loads(latest(data / "08_reporting/data_quality_summary.json").read_text())
    clean = pd.read_parquet(data / "02_intermediate/clean_transactions.parquet")
    rejected = pd.read_parquet(data / "02_intermediate/rejected_transactions.parquet")
    raw_lines = sum(1 for _ in (data / "01_raw/transactions.csv").open()) - 1
    assert raw_lines == len(clean) + len(rejected) == summary["raw_lines"]
    assert set(rejected["reason"]) >= {
        "missing_customer_id",
        "duplicate_line",
        "non_product_code",
        "non_positive_price",
    }
    features = pd.read_parquet(data / "04_feature/customer_features.parquet")
    planted = pd.read_csv(data / "01_raw/planted_segments.csv", dtype={"customer_id": str})
    assert features["customer_id"].is_unique
    assert set(features["customer_id"]) == set(planted["customer_id"])


def test_segments_recover_the_planted_groups_with_names_users_know(finished_run):
    data = finished_run / "data"
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    planted = pd.read_csv(data / "01_raw/planted_segments.csv", dtype={"customer_id": str})
    merged = segments.merge(planted, on="customer_id", suffixes=("", "_planted"))
    assert len(merged) == len(planted) == len(segments)
    assert adjusted_rand_score(merged["segment_planted"], merged["cluster"]) >= 0.9
    assert set(segments["segment"]) == {
        "Champions",
        "Loyal Regulars",
        "Lapsed / At Risk",
        "Occasional Buyers",
    }


def test_same_data_config_and_seed_give_identical_segments(finished_run, tmp_path):
    second = copy_project(tmp_path / "second")
    run_kedro(
        second,
        "run",
        "--pipelines",
        "data_processing,feature_engineering,model_selection,clustering,customer_value,"
        "churn_propensity",
    )
    for relative in (
        "07_model_output/customer_segments.parquet",
        "06_models/best_params.json",
        "07_model_output/customer_value.parquet",
        "06_models/customer_value_model.json",
        "07_model_output/churn_propensity.parquet",
        "08_reporting/churn_metrics.json",
        "08_reporting/churn_calibration.csv",
        "08_reporting/churn_targets.csv",
    ):
        first_bytes = latest(finished_run / "data" / relative).read_bytes()
        assert latest(second / "data" / relative).read_bytes() == first_bytes, relative


def test_customer_value_per_customer_segment_and_holdout(finished_run):
    data = finished_run / "data"
    value = read_table(data / "07_model_output/customer_value.parquet")
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    assert set(value["customer_id"]) == set(segments["customer_id"])
    assert value["probability_alive"].between(0, 1).all() and (value["clv"] >= 0).all()
    per_segment = pd.read_csv(latest(data / "08_reporting/customer_value_segments.csv"))
    assert set(per_segment["segment"]) == set(segments["segment"])
    assert per_segment["total_clv"].sum() == pytest.approx(value["clv"].sum())
    holdout = pd.read_csv(latest(data / "08_reporting/customer_value_validation.csv"))
    assert {"All customers", *segments["segment"]} == set(holdout["segment"])
    assert (holdout["predicted_purchases"] > 0).all()
    model = json.loads(latest(data / "06_models/customer_value_model.json").read_text())
    assert set(model["bg_nbd"]) == {"r", "alpha", "a", "b"}
    assert set(model["gamma_gamma"]) == {"p", "q", "v"}


def test_campaigns_find_the_planted_lift_in_its_segment_only(finished_run):
    """The shipped campaigns.csv plants 15 points in steady_regulars' spring_email (the run's
    Loyal Regulars), no lift elsewhere, and a pilot too small to test."""
    data = finished_run / "data"
    lift = pd.read_csv(latest(data / "08_reporting/campaign_lift.csv"))
    lift = lift.set_index(["campaign", "segment"])
    assert lift.loc[("spring_email", "Loyal Regulars"), "verdict"] == "lift"
    others = lift.drop(index=("spring_email", "Loyal Regulars"))
    assert not others["significant"].any()
    assert set(lift.loc["vip_preview", "verdict"]) == {"not enough data"}
    rejected = pd.read_csv(latest(data / "07_model_output/rejected_campaign_rows.csv"))
    conversion = pd.read_csv(latest(data / "08_reporting/campaign_conversion.csv"))
    raw = pd.read_csv(data / "01_raw/campaigns.csv", dtype=str)
    assert conversion["customers"].sum() + len(rejected) == len(raw)  # no row lost
    report = latest(data / "08_reporting/segment_report.html").read_text()
    assert 'id="campaigns"' in report and "Campaign spring_email" in report


def test_churn_probability_per_customer_segment_and_its_cross_validation(finished_run):
    data = finished_run / "data"
    scored = read_table(data / "07_model_output/churn_propensity.parquet")
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    assert set(scored["customer_id"]) == set(segments["customer_id"])
    assert scored["churn_probability"].between(0, 1).all()
    # the planted "Lapsed / At Risk" customers are the likeliest to churn
    per_segment = pd.read_csv(latest(data / "08_reporting/churn_segments.csv"))
    assert per_segment["segment"].iloc[0] == "Lapsed / At Risk"
    assert per_segment["customers"].sum() == len(scored)
    metrics = json.loads(latest(data / "08_reporting/churn_metrics.json").read_text())
    assert metrics["roc_auc_mean"] > 0.75 and len(metrics["roc_auc_folds"]) == metrics["n_splits"]
    assert metrics["brier_score"] < metrics["brier_score_base_rate"]
    calibration = pd.read_csv(latest(data / "08_reporting/churn_calibration.csv"))
    # the embedded data has fewer customers than max_training_customers: every one trains it
    assert calibration["customers"].sum() == metrics["training_customers"] == metrics["customers"]
    targets = pd.read_csv(
        latest(data / "08_reporting/churn_targets.csv"), dtype={"customer_id": str}
    )
    assert set(targets["segment"]) == set(segments["segment"])
    assert (targets.groupby("segment")["rank"].max() <= 50).all()
    sheet = pd.read_excel(
        latest(data / "08_reporting/segment_report.xlsx"), sheet_name="churn_targets"
    )
    assert len(sheet) == len(targets)


def test_report_and_workbook_cover_every_segment(finished_run):
    data = finished_run / "data" / "08_reporting"
    segments = read_table(finished_run / "data/07_model_output/customer_segments.parquet")
    html = latest(data / "segment_report.html").read_text(encoding="utf-8")
    for cluster in segments["cluster"].unique():
        assert f'id="segment-{cluster}"' in html
    for name in segments["segment"].unique():
        assert str(escape(name)) in html
    # every figure as a picture or an interactive chart, but the migration heat map, which
    # waits for a second run
    pictures = html.count('<img src="data:image/png;base64,')
    assert pictures >= len(FIGURE_NAMES) - len(CHART_NAMES) - 1
    assert all(f'id="chart-{name}"' in html for name in CHART_NAMES)
    assert "This is the first run" in html
    # opens offline: everything it shows is in the file (the browser's own check is below);
    # the markup outside the inline scripts (plotly.js) links to nothing else
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.S)
    assert markup.count("<script") == 0
    assert not re.findall(r'(?:src|href)="(?!data:|#)', markup)
    assert "<link" not in markup and "<iframe" not in markup
    workbook = pd.ExcelFile(latest(data / "segment_report.xlsx"))
    assert workbook.sheet_names == list(EXCEL_SHEETS)
    assert sorted(path.stem for path in (data / "plots").iterdir()) == sorted(FIGURE_NAMES)
    assert sorted(path.stem for path in (data / "charts").iterdir()) == sorted(CHART_NAMES)


def test_each_segment_card_links_to_its_customers(finished_run):
    data = finished_run / "data/08_reporting"
    html = (data / "latest/segment_report.html").read_text(encoding="utf-8")
    full_list = pd.read_csv(data / "latest/customer_list.csv", dtype={"customer_id": str})
    assert full_list.equals(
        pd.read_csv(latest(data / "customer_list.csv"), dtype={"customer_id": str})
    )
    links = re.findall(
        r'<section class="segment" id="segment-(\d+)">.*?<a download="([^"]+)" '
        r'href="data:text/csv;charset=utf-8;base64,([^"]+)"',
        html,
        re.S,
    )
    assert len(links) == full_list["cluster"].nunique()
    for cluster, name, encoded in links:
        rows = pd.read_csv(io.BytesIO(base64.b64decode(encoded)), dtype={"customer_id": str})
        assert name.startswith(f"segment-{cluster}-") and name.endswith(".csv")
        expected = full_list[full_list["cluster"] == int(cluster)].reset_index(drop=True)
        pd.testing.assert_frame_equal(rows, expected)


def test_workbook_gives_a_crm_team_each_customer_with_features_and_action(finished_run):
    data = finished_run / "data"
    path = latest(data / "08_reporting/segment_report.xlsx")
    customers = pd.read_excel(path, sheet_name="customer_segments", dtype={"customer_id": str})
    segments = read_table(data / "07_model_output/customer_segments.parquet")
    features = pd.read_parquet(data / "04_feature/customer_features.parquet")
    assert sorted(customers["customer_id"]) == sorted(segments["customer_id"])
    assert {"rfm_segment", "action", *features.columns} <= set(customers.columns)
    actions = pd.read_excel(path, sheet_name="segments").set_index("segment")
    first = actions["actions"].str.split("\n").str[0]
    assert (customers["action"] == customers["segment"].map(first)).all()
    quality = pd.read_excel(path, sheet_name="data_quality").set_index("item")
    summary = json.loads(latest(data / "08_reporting/data_quality_summary.json").read_text())
    assert quality.loc["lines read", "count"] == summary["raw_lines"]
    book = openpyxl.load_workbook(path, read_only=True)
    shares = next(book["segments"].iter_rows(min_row=2, max_row=2, min_col=4, max_col=4))
    assert shares[0].number_format == "0.0%"


def test_kedro_viz_build_shows_every_pipeline_with_previews(finished_run):
    run_kedro(finished_run, "viz", "build", "--include-previews")
    api = finished_run / "build" / "api"
    main = json.loads((api / "main").read_text())
    assert {pipeline["id"] for pipeline in main["pipelines"]} == {
        "__default__",
        "data_processing",
        "feature_engineering",
        "model_selection",
        "experiments",
        "clustering",
        "reporting",
        "monitoring",
        "customer_value",
        "campaigns",
        "churn_propensity",
        "customer_table",
        "scoring",
    }
    previews: dict[str, int] = {}
    for path in (api / "nodes").iterdir():
        node = json.loads(path.read_text())
        if node.get("preview") is not None:
            previews[node["preview_type"]] = previews.get(node["preview_type"], 0) + 1
    assert previews.get("ImagePreview", 0) == len(FIGURE_NAMES)
    assert previews.get("PlotlyPreview", 0) == len(CHART_NAMES)
    assert previews.get("TablePreview", 0) >= 5
    assert previews.get("JSONPreview", 0) >= 3


def test_the_notebooks_run_top_to_bottom_after_two_runs(finished_run, tmp_path):
    # a copy, so that what the notebooks write (the scoring run) leaves the other tests' run
    project = tmp_path / "project"
    shutil.copytree(finished_run, project, ignore=shutil.ignore_patterns("build", ".viz"))
    shutil.copytree(PROJECT_ROOT / "notebooks", project / "notebooks")
    # a second fit (the search is reused): a second version of the segments to compare
    run_kedro(project, "run", "--pipelines", "clustering")
    executed = {
        path.stem: execute_notebook(project / "notebooks" / path.name, tmp_path / "jupyter")
        for path in NOTEBOOKS
    }

    def outputs(name: str) -> list[dict]:
        return [output for cell in executed[name].cells for output in cell.get("outputs", [])]

    def shown(name: str) -> str:
        parts = [output.get("text", "") for output in outputs(name)]
        parts += [output.get("data", {}).get("text/html", "") for output in outputs(name)]
        return "\n".join(parts)

    explore = shown("01_explore_segments")
    assert "Champions" in explore and "Occasional Buyers" in explore
    # the chart per segment is drawn (inline, as in JupyterLab)
    assert any("image/png" in output.get("data", {}) for output in outputs("01_explore_segments"))
    assert "Scored" in shown("02_score_new_export")  # the scoring run's summary
    compare = shown("03_compare_runs")
    assert "2018 customers in both, 0 moved (0.0%); 0 new, 0 gone" in compare


needs_chromium = pytest.mark.skipif(
    shutil.which("chromium") is None, reason="needs Chromium (apt install chromium)"
)


@needs_chromium
def test_the_report_renders_in_headless_chromium(finished_run: Path, tmp_path: Path):
    """`make screenshot` (the README's picture) renders the newest report offline."""
    report = finished_run / "data/08_reporting/latest/segment_report.html"
    picture, network = tmp_path / "report.png", tmp_path / "netlog.json"
    subprocess.run(
        [
            "make",
            "-s",
            "screenshot",
            f"REPORT={report}",
            f"SCREENSHOT={picture}",
            f"NETLOG={network}",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 50_000  # the page, not a blank frame
    assert page_requests(json.loads(network.read_text())) == []


def page_requests(netlog: dict) -> list[str]:
    """The network requests the page made, from Chromium's network log.

    Chromium's own background requests (its clock, its account service) carry the initiator
    "not an origin"; anything the page loads has the page's origin ("null" for a file).
    """
    types = {number: name for name, number in netlog["constants"]["logEventTypes"].items()}
    starts = [
        event.get("params", {})
        for event in netlog["events"]
        if types[event["type"]] == "URL_REQUEST_START_JOB"
    ]
    return [
        start["url"]
        for start in starts
        if start.get("initiator") != "not an origin"
        and not start.get("url", "file:").startswith(("file:", "data:"))
    ]


@needs_chromium
def test_the_network_check_sees_a_page_that_loads_from_the_web(tmp_path: Path):
    """The check above can fail: a page with a remote picture is caught (the host need not
    answer: the request is logged when it starts)."""
    page = tmp_path / "page.html"
    page.write_text('<html><body><img src="https://example.com/x.png"></body></html>')
    picture, network = tmp_path / "page.png", tmp_path / "netlog.json"
    subprocess.run(
        [
            "make",
            "-s",
            "screenshot",
            f"REPORT={page}",
            f"SCREENSHOT={picture}",
            f"NETLOG={network}",
        ],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert page_requests(json.loads(network.read_text())) == ["https://example.com/x.png"]
