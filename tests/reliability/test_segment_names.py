"""Segment names as marketers write them go through the whole run, report and workbook."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_project, latest, run_kedro

pytestmark = pytest.mark.slow


def test_names_with_dollar_signs_reach_the_report_and_the_workbook(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    base = yaml.safe_load((project / "conf/base/parameters_clustering.yml").read_text())
    rules = base["clustering"]["naming"]["rules"]
    renamed = {"Champions": "Big spenders ($$)", "Loyal Regulars": "Save $5-$10"}
    for rule in rules:
        rule["name"] = renamed.get(rule["name"], rule["name"])
    test_parameters = project / "conf/test/parameters.yml"
    parameters = yaml.safe_load(test_parameters.read_text())
    parameters.setdefault("clustering", {}).setdefault("naming", {})["rules"] = rules
    test_parameters.write_text(yaml.safe_dump(parameters))

    run_kedro(project, "run", "--env", "test")  # exit 0, or it raises with the output

    data = project / "data"
    segments = pd.read_parquet(latest(data / "07_model_output/customer_segments.parquet"))
    assert set(renamed.values()) <= set(segments["segment"])
    report = latest(data / "08_reporting/segment_report.html").read_text()
    assert "Big spenders ($$)" in report and "Save $5-$10" in report
    workbook = pd.read_excel(latest(data / "08_reporting/segment_report.xlsx"), sheet_name=None)
    assert "Save $5-$10" in set(workbook["segment_profiles"]["segment"])
