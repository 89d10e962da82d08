"""The "What moved since the last run" section: monitoring's tables, for the reader."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .cells import fmt_int, fmt_pct, table
from .segments import require_columns

#: The columns of the section's tables and their headers.
CHANGE_HEADERS = {
    "segment": "segment",
    "customers_before": "customers last run",
    "customers_now": "customers now",
    "share_before": "share last run",
    "share_now": "share now",
    "joined": "joined",
    "left": "left",
}
DRIFT_HEADERS = {
    "feature": "feature",
    "psi": "PSI",
    "ks_statistic": "KS D",
    "verdict": "verdict",
}


def what_moved(
    monitoring_summary: dict[str, Any], segment_changes: pd.DataFrame, feature_drift: pd.DataFrame
) -> dict[str, Any]:
    """Recommendation and reasons, the numbers that moved, shares per segment, feature drift.

    ``first_run`` is true when there was no earlier run to compare with (empty tables).
    """
    recommendation = str(monitoring_summary.get("recommendation", "first run"))
    section: dict[str, Any] = {
        "first_run": recommendation == "first run",
        "recommendation": recommendation,
        "reasons": [str(reason) for reason in monitoring_summary.get("reasons", [])],
    }
    if section["first_run"]:
        return section
    require_columns(segment_changes, list(CHANGE_HEADERS), "segment_changes")
    require_columns(feature_drift, list(DRIFT_HEADERS), "feature_drift")
    summary = monitoring_summary
    section["numbers"] = [
        ("Returning customers", fmt_int(summary.get("returning_customers"))),
        (
            "Changed segment",
            f"{fmt_int(summary.get('moved_customers'))} ({fmt_pct(summary.get('moved_share'))})",
        ),
        ("New customers", fmt_int(summary.get("new_customers"))),
        ("No longer customers", fmt_int(summary.get("lost_customers"))),
    ]
    changes = segment_changes[list(CHANGE_HEADERS)].rename(columns=CHANGE_HEADERS)
    shares = {CHANGE_HEADERS["share_before"]: fmt_pct, CHANGE_HEADERS["share_now"]: fmt_pct}
    section["changes"] = table(changes, shares)
    section["drift"] = table(feature_drift[list(DRIFT_HEADERS)].rename(columns=DRIFT_HEADERS))
    return section
