"""The monitoring nodes: first run, a quiet month, a month that calls for a re-fit."""

from __future__ import annotations

import pandas as pd

from customer_segmentation.pipelines.monitoring.nodes import (
    compare_features,
    compare_segments,
    recommend,
)
from tests.pipelines.pipeline_helpers import typed_parameters

PARAMS = typed_parameters("monitoring")


def segments(names: list[str], first_id: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {"customer_id": [f"C{first_id + i:03d}" for i in range(len(names))], "segment": names}
    )


def test_the_first_run_has_empty_tables_and_says_so():
    migration, changes = compare_segments(segments(["A", "B"]), None)
    drift = compare_features(pd.DataFrame(), None, None, PARAMS.drift)
    assert migration.empty and changes.empty and drift.empty
    summary = recommend(migration, changes, drift, PARAMS)
    assert summary["recommendation"] == "first run"


def test_a_quiet_month_keeps_the_model():
    before = segments(["A"] * 50 + ["B"] * 50)
    now = segments(["A"] * 50 + ["B"] * 49 + ["A"])
    migration, changes = compare_segments(now, before)
    drift = pd.DataFrame({"feature": ["recency"], "verdict": ["stable"]})
    summary = recommend(migration, changes, drift, PARAMS)
    assert summary["recommendation"] == "keep"
    assert summary["moved_customers"] == 1 and summary["returning_customers"] == 100


def test_many_moves_a_share_change_and_a_shift_give_their_reasons():
    before = segments(["A"] * 50 + ["B"] * 50)
    now = segments(["B"] * 80 + ["A"] * 20)
    migration, changes = compare_segments(now, before)
    drift = pd.DataFrame({"feature": ["monetary", "recency"], "verdict": ["shift", "watch"]})
    summary = recommend(migration, changes, drift, PARAMS)
    assert summary["recommendation"] == "re-fit"
    reasons = " | ".join(summary["reasons"])
    assert "of returning customers changed segment" in reasons
    assert "'B' went from 50.0% to 80.0% of customers" in reasons
    assert "the customers shifted on monetary" in reasons
    assert summary["watched_features"] == ["recency"]
