"""The benchmarks run end to end at their smallest settings (the scale benchmark with
`--quick` on 20,000 lines, the model-selection and customer-value benchmarks on 3,000
customers, the planted
recovery benchmark with `--quick` on one 20,000-line data set).

Only that it runs and reports every section is checked: its figures depend on the machine
and are never asserted. `make bench` runs the real sizes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow

SMOKE_LINES = 20_000


def run_benchmark(script: str, *args: str, cwd: Path = PROJECT_ROOT) -> str:
    """Run ``benchmarks/<script>`` with ``args``; return its standard output (it must succeed)."""
    command = [sys.executable, str(PROJECT_ROOT / "benchmarks" / script), *args]
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_benchmark_reports_every_stage_and_target(tmp_path: Path):
    report = tmp_path / "report.json"
    data = str(tmp_path / "data")
    stdout = run_benchmark(
        "scale_benchmark.py", str(SMOKE_LINES), "--quick", "--data-dir", data, "--json", str(report)
    )
    assert "| size | step | run s |" in stdout
    assert "Targets:" in stdout

    figures = json.loads(report.read_text())
    steps = {row["step"] for row in figures["rows"]}
    assert {
        "generate data",
        "transaction stages",
        "hand-tuned DuckDB query",
        "kedro run (end to end)",
        "model_selection (growth)",
        "notebook K search",
        "model_selection (project)",
    } <= steps
    assert all(row["wall_s"] > 0 and row["peak_mib"] > 0 for row in figures["rows"])
    # the hand-tuned query computes the pipeline's customer table exactly, from either shape
    stages = figures["transaction_stages_vs_query"]
    assert {info["shape"] for info in stages} == {"csv", "parquet"}
    assert all(info["reference_result"] == "identical" for info in stages)
    assert figures["same_customer_tables"] == [
        "20k lines: customer table from csv and parquet input identical"
    ]
    assert figures["sampled_vs_full"][0]["sampled"] and figures["notebook"]["notebook_k"] >= 2


def test_model_selection_benchmark_runs_every_node(tmp_path: Path):
    stdout = run_benchmark("model_selection_benchmark.py", "3000", cwd=tmp_path)
    steps = ("draw_search_sample", "score_k_grid", "run_study", "assess_candidates")
    for step in (*steps, "select_best_params"):
        assert step in stdout
    assert "customers 3,000" in stdout


def test_planted_recovery_benchmark_reports_every_column(tmp_path: Path):
    report = tmp_path / "planted.json"
    data = str(tmp_path / "data")
    stdout = run_benchmark(
        "planted_recovery.py", "--quick", "--data-dir", data, "--json", str(report)
    )
    assert "| data (lines, seed, groups, overlap) |" in stdout and "Targets:" in stdout
    (row,) = json.loads(report.read_text())
    assert row["data"] == "20k s7 g4 o1" and row["customers"] > 0
    assert re.fullmatch(r"\w+ K=\d+", row["chosen"])
    assert -1 <= row["ari"] <= 1 and -1 <= row["plain_ari"] <= 1 and -1 <= row["oracle_ari"] <= 1


def test_scoring_benchmark_reports_every_size():
    stdout = run_benchmark(
        "scoring_benchmark.py", "--largest", "4000", "--sizes", "2", "--repeats", "1"
    )
    assert "| customers | score s | drift s | us per customer | ratio per doubling |" in stdout
    assert "| 2,000 |" in stdout and "| 4,000 |" in stdout
    assert "peak RSS" in stdout


def test_algorithm_benchmark_reports_every_algorithm():
    stdout = run_benchmark("algorithm_benchmark.py", "--sizes", "2000", "4000")
    for name in ("kmeans", "minibatch_kmeans", "bisecting_kmeans", "gaussian_mixture"):
        assert f"| {name} | 4,000 |" in stdout


def test_workbook_benchmark_times_the_workbook_before_and_after():
    stdout = run_benchmark("workbook_benchmark.py", "2000")
    assert "| written | customer-sheet cells | s | us per cell | MiB | peak RSS MiB |" in stdout
    for label in ("before: plain dump", "plain, same columns", "formatted workbook"):
        assert f"| {label}" in stdout


def test_customer_value_benchmark_times_fit_and_scoring(tmp_path: Path):
    stdout = run_benchmark("customer_value_benchmark.py", "3000", cwd=tmp_path)
    for step in ("summarise_customers", "fit_value_models", "score_customers", "validate_holdout"):
        assert step in stdout
    assert "customers 3,000" in stdout and "peak RSS" in stdout and "holdout:" in stdout


def test_churn_propensity_benchmark_times_fit_and_scoring(tmp_path: Path):
    stdout = run_benchmark("churn_propensity_benchmark.py", "3000", cwd=tmp_path)
    for step in ("cross_validate_churn", "fit_churn_model", "score_churn", "rank_churn_targets"):
        assert step in stdout
    assert "customers 3,000" in stdout and "peak RSS" in stdout and "ROC AUC" in stdout
