"""The report's "Churn risk" section and the workbook's ``churn_targets`` sheet.

They read the outputs of the ``churn_propensity`` pipeline as datasets (never its code):
``churn_segments`` (per segment), ``churn_metrics`` (the cross-validation),
``churn_calibration`` (the reliability table) and ``churn_targets`` (the ranked list). Each is
``None`` where churn_propensity does not run (the customer-table path has no invoice lines):
the section and the sheet then say so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .cells import fmt_int, fmt_pct, fmt_score, fmt_value, table
from .params import ReportingParams
from .segments import require_columns, require_keys

NOT_AVAILABLE = (
    "Churn risk needs invoice lines (purchase dates): this run read none, so it has no "
    "churn probabilities."
)
SEGMENT_COLUMNS = ["segment", "customers", "mean_probability", "expected_churners"]
CALIBRATION_COLUMNS = ["bin", "customers", "mean_predicted", "observed_rate"]
TARGET_COLUMNS = ["segment", "rank", "customer_id", "churn_probability"]
METRIC_KEYS = [
    "horizon_days",
    "cutoff",
    "end",
    "customers",
    "churn_rate",
    "n_splits",
    "roc_auc_folds",
    "roc_auc_mean",
    "roc_auc_std",
    "brier_score",
    "brier_score_base_rate",
    "calibration",
]
#: Targets per segment shown in the report (the workbook and churn_targets list them all).
SHOWN_TARGETS = 5


def churn_context(
    churn_segments: pd.DataFrame | None,
    churn_metrics: dict[str, Any] | None,
    churn_calibration: pd.DataFrame | None,
    churn_targets: pd.DataFrame | None,
    params: ReportingParams,
) -> dict[str, Any]:
    """What the template's churn-risk section shows (``shown`` False: why not)."""
    inputs = (churn_segments, churn_metrics, churn_calibration, churn_targets)
    if any(value is None for value in inputs):
        return {"shown": False, "note": NOT_AVAILABLE}
    require_columns(churn_segments, SEGMENT_COLUMNS, "churn_segments")
    require_columns(churn_calibration, CALIBRATION_COLUMNS, "churn_calibration")
    require_columns(churn_targets, TARGET_COLUMNS, "churn_targets")
    require_keys(churn_metrics, METRIC_KEYS, "churn_metrics")
    money = lambda v: params.formats.amount(params.revenue_column, float(v))  # noqa: E731
    segments = churn_segments[SEGMENT_COLUMNS].rename(
        columns={
            "mean_probability": "churn probability, mean",
            "expected_churners": "expected churners",
        }
    )
    calibration = churn_calibration[churn_calibration["customers"] > 0][CALIBRATION_COLUMNS]
    shown = [c for c in (*TARGET_COLUMNS, "recency", "frequency", "monetary") if c in churn_targets]
    targets = churn_targets[churn_targets["rank"] <= SHOWN_TARGETS][shown]
    m = churn_metrics
    return {
        "shown": True,
        "horizon": fmt_int(m["horizon_days"]),
        "cutoff": m["cutoff"],
        "end": m["end"],
        "customers": fmt_int(m["customers"]),
        # a churn_metrics written before the training sample: every customer trained it
        "training_customers": fmt_int(m.get("training_customers", m["customers"])),
        "sampled": m.get("training_customers", m["customers"]) < m["customers"],
        "churn_rate": fmt_pct(m["churn_rate"]),
        "folds": fmt_int(m["n_splits"]),
        "auc": fmt_score(m["roc_auc_mean"], m["roc_auc_std"]),
        "auc_folds": ", ".join(fmt_score(v) for v in m["roc_auc_folds"]),
        "brier": fmt_score(m["brier_score"]),
        "brier_base": fmt_score(m["brier_score_base_rate"]),
        "calibration_method": m["calibration"],
        "shown_targets": SHOWN_TARGETS,
        "segments": table(
            segments,
            {
                "customers": fmt_int,
                "churn probability, mean": fmt_pct,
                "expected churners": fmt_value,
            },
        ),
        "calibration": table(
            calibration.rename(
                columns={
                    "bin": "predicted probability",
                    "mean_predicted": "mean predicted",
                    "observed_rate": "observed churn rate",
                }
            ),
            {"customers": fmt_int, "mean predicted": fmt_pct, "observed churn rate": fmt_pct},
        ),
        "targets": table(
            targets.rename(columns={"churn_probability": "churn probability"}),
            {
                "rank": fmt_int,
                "customer_id": str,
                "churn probability": fmt_pct,
                "recency": fmt_int,
                "frequency": fmt_int,
                "monetary": money,
            },
        ),
    }


def churn_targets_sheet(churn_targets: pd.DataFrame | None) -> pd.DataFrame:
    """The workbook's ``churn_targets`` sheet: the ranked target list of every segment."""
    if churn_targets is None:
        return pd.DataFrame({"note": [NOT_AVAILABLE]})
    require_columns(churn_targets, TARGET_COLUMNS, "churn_targets")
    return churn_targets
