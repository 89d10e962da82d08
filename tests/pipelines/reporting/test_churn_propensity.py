"""The report's Churn risk section and the workbook's churn_targets sheet, with and without
churn_propensity's outputs."""

from __future__ import annotations

import functools

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting.churn_propensity import (
    NOT_AVAILABLE,
    SHOWN_TARGETS,
    churn_context,
    churn_targets_sheet,
)
from customer_segmentation.pipelines.reporting.report import render_html_report
from customer_segmentation.pipelines.reporting.workbook import EXCEL_SHEETS, build_excel_workbook
from tests.pipelines.pipeline_helpers import one_line, typed_parameters
from tests.pipelines.reporting import test_report, test_workbook

PARAMS = typed_parameters("reporting")
CHURN = ("churn_segments", "churn_metrics", "churn_calibration", "churn_targets")


def _churn(inputs):
    return [inputs[name] for name in CHURN]


def test_the_section_shows_auc_calibration_segments_and_targets(inputs):
    context = churn_context(*_churn(inputs), PARAMS)
    assert context["shown"] and context["auc"] == "0.840 ± 0.028"
    assert context["horizon"] == "90" and context["cutoff"] == "2024-10-02"
    assert len(context["calibration"]["rows"]) == 2
    targets = context["targets"]
    assert targets["columns"][:3] == ["segment", "rank", "customer_id"]
    assert max(int(row[1]) for row in targets["rows"]) <= SHOWN_TARGETS


def test_without_churn_propensity_the_section_and_sheet_say_why():
    assert churn_context(None, None, None, None, PARAMS) == {
        "shown": False,
        "note": NOT_AVAILABLE,
    }
    assert churn_targets_sheet(None)["note"].tolist() == [NOT_AVAILABLE]


def test_a_missing_key_or_column_is_one_line(inputs):
    segments, metrics, calibration, targets = _churn(inputs)
    metrics = {key: value for key, value in metrics.items() if key != "brier_score"}
    with pytest.raises(InputValidationError) as error:
        churn_context(segments, metrics, calibration, targets, PARAMS)
    assert "dataset 'churn_metrics': missing key(s) ['brier_score']" in one_line(error.value)
    with pytest.raises(InputValidationError) as error:
        churn_targets_sheet(targets.drop(columns="rank"))
    assert "dataset 'churn_targets', column 'rank'" in one_line(error.value)


def test_the_report_has_the_section_and_a_nav_link(inputs, params, monkeypatch):
    churn = {name: inputs[name] for name in CHURN}
    monkeypatch.setattr(
        test_report, "render_html_report", functools.partial(render_html_report, **churn)
    )
    html = test_report._render(inputs, params)
    assert '<a href="#churn-risk">Churn risk</a>' in html
    assert '<h2 id="churn-risk">Churn risk</h2>' in html and "0.840 ± 0.028" in html
    assert NOT_AVAILABLE not in html
    # without churn_propensity (the customer-table path): the note
    monkeypatch.undo()
    assert NOT_AVAILABLE in test_report._render(inputs, params)


def test_the_report_says_when_a_sample_trained_the_model(inputs, params, monkeypatch):
    segments, metrics, calibration, targets = _churn(inputs)
    assert not churn_context(segments, metrics, calibration, targets, PARAMS)["sampled"]
    sampled = {**metrics, "customers": 250_000, "training_customers": 100_000}
    context = churn_context(segments, sampled, calibration, targets, PARAMS)
    assert context["sampled"] and context["training_customers"] == "100,000"
    churn = {name: inputs[name] for name in CHURN} | {"churn_metrics": sampled}
    monkeypatch.setattr(
        test_report, "render_html_report", functools.partial(render_html_report, **churn)
    )
    html = " ".join(test_report._render(inputs, params).split())
    assert "the 250,000 customers who had ordered before" in html
    assert "a stratified random sample of 100,000 of them" in html


def test_the_workbook_has_the_ranked_target_list(inputs, params, monkeypatch):
    monkeypatch.setattr(
        test_workbook,
        "build_excel_workbook",
        functools.partial(build_excel_workbook, churn_targets=inputs["churn_targets"]),
    )
    workbook = test_workbook._workbook(inputs, params)
    sheets = {sheet.name: sheet.table for sheet in workbook.sheets}
    assert list(sheets) == list(EXCEL_SHEETS)
    pd.testing.assert_frame_equal(
        sheets["churn_targets"], inputs["churn_targets"].reset_index(drop=True)
    )
