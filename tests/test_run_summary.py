"""The summary a run prints at its end, from the outputs it wrote."""

from __future__ import annotations

import pandas as pd

from customer_segmentation.run_summary import summary_lines

SEGMENT_SUMMARY = {
    "k": 2,
    "scaler": "standard",
    "selection_reason": "K=2 (standard): silhouette 0.5. Rule: policy largest_stable_k",
    "data_quality": {"raw_lines": 1000, "rejected_lines": 100},
    "segments": [
        {"segment": "Champions", "customers": 1200, "customer_share": 0.6, "revenue_share": 0.9},
        {"segment": "Lapsed", "customers": 800, "customer_share": 0.4, "revenue_share": 0.1},
    ],
}
ACTIONS = pd.DataFrame(
    {"segment": ["Champions", "Lapsed"], "actions": ["Invite to VIP; Thank", "Win back; Ask"]}
)


def test_a_fitting_run_lists_its_segments_the_choice_and_its_files():
    outputs = {"segment_summary": SEGMENT_SUMMARY, "segment_actions": ACTIONS}
    paths = {"segment_report": "data/08_reporting/segment_report.html/v/segment_report.html"}
    lines = summary_lines(outputs.__getitem__, set(outputs), paths)
    text = "\n".join(lines)
    assert lines[0] == "Segments: K = 2, scaler standard"
    assert "Champions  1,200      60.0 %       90.0 %     Invite to VIP" in text
    assert "Why: K=2 (standard): silhouette 0.5" in text and "Rule:" not in text
    assert "Input: 1,000 read, 100 rejected (10.0 %)" in text
    assert lines[-1] == f"Report: {paths['segment_report']}"


def test_the_latest_copies_follow_the_paths_of_this_run_s_files():
    outputs = {"segment_summary": SEGMENT_SUMMARY}
    paths = {
        "segment_report": "data/08_reporting/segment_report.html/v/segment_report.html",
        "segment_workbook": "data/08_reporting/segment_report.xlsx/v/segment_report.xlsx",
    }
    latest = {
        "segment_report": "data/08_reporting/latest/segment_report.html",
        "segment_workbook": "data/08_reporting/latest/segment_report.xlsx",
    }
    lines = summary_lines(outputs.__getitem__, set(outputs), paths, latest)
    assert lines[-3:] == [
        f"Report: {paths['segment_report']}",
        f"Workbook: {paths['segment_workbook']}",
        "Latest: data/08_reporting/latest/ (segment_report.html, segment_report.xlsx)",
    ]


def test_a_scoring_run_counts_its_customers_and_the_ones_to_check():
    scored = pd.DataFrame(
        {"segment": ["A", "A", "B", "A"], "outside_training_range": [False, True, False, False]}
    )
    changes = pd.DataFrame({"segment": ["A", "B"], "joined": [1, 0]})
    outputs = {"scored_customers": scored, "scoring_segment_changes": changes}
    text = "\n".join(summary_lines(outputs.__getitem__, set(outputs), {}))
    assert "Scored 4 customers with the saved model (nothing re-fitted)" in text
    assert "A        3          75.0 %" in text
    assert "outside the training range (to check): 1" in text
    assert "changed segment since the last fitted run: 1" in text


def test_a_run_that_wrote_none_of_them_says_nothing():
    assert summary_lines(lambda name: None, {"clean_transactions"}, {}) == []
