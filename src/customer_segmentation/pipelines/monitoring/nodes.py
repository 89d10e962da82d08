"""Nodes of ``monitoring``: this run against the last one.

The last run's outputs come from the ``previous_*`` datasets (the version before the newest,
:mod:`customer_segmentation.datasets`); on the first run they are ``None`` and the tables
are empty, with a summary that says so.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from customer_segmentation.model.reference import DriftThresholds, feature_drift
from customer_segmentation.model.segmentation_model import SegmentationModel
from customer_segmentation.pipelines.monitoring.migration import (
    LOST,
    NEW,
    migration_matrix,
    segment_changes,
)
from customer_segmentation.pipelines.monitoring.params import MonitoringParams, RefitParams

logger = logging.getLogger(__name__)

MIGRATION_COLUMNS = ["segment_before", "segment_now", "customers", "share_of_before"]
CHANGE_COLUMNS = [
    "segment",
    "customers_before",
    "customers_now",
    "share_before",
    "share_now",
    "share_change",
    "stayed",
    "joined",
    "left",
]
DRIFT_COLUMNS = [
    "feature",
    "psi",
    "psi_p_value",
    "ks_statistic",
    "ks_p_value",
    "reference_median",
    "current_median",
    "verdict",
]


def compare_segments(
    customer_segments: pd.DataFrame, previous_customer_segments: pd.DataFrame | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Who moved between the last run's segments and this run's, and how shares changed."""
    if previous_customer_segments is None:
        return pd.DataFrame(columns=MIGRATION_COLUMNS), pd.DataFrame(columns=CHANGE_COLUMNS)
    return (
        migration_matrix(previous_customer_segments, customer_segments),
        segment_changes(previous_customer_segments, customer_segments),
    )


def compare_features(
    customer_features: pd.DataFrame,
    segmentation_model: SegmentationModel,
    previous_segmentation_model: SegmentationModel | None,
    thresholds: DriftThresholds,
) -> pd.DataFrame:
    """Per feature of this run's model: this run's customers against the last model's.

    Taking this run's model also orders the node after it is saved, so that the version
    before the newest is the last run's.
    """
    if not isinstance(previous_segmentation_model, SegmentationModel):
        # the first run, or a model saved before models carried their reference
        return pd.DataFrame(columns=DRIFT_COLUMNS)
    reference = previous_segmentation_model.reference
    shared = {f: reference[f] for f in segmentation_model.reference if f in reference}
    return feature_drift(shared, customer_features, thresholds)


def recommend(
    segment_migration: pd.DataFrame,
    segment_changes: pd.DataFrame,
    feature_drift: pd.DataFrame,
    params: MonitoringParams,
) -> dict[str, Any]:
    """What moved, in numbers, and whether the segmentation needs a re-fit (with reasons)."""
    if segment_migration.empty:
        summary = {"recommendation": "first run", "reasons": ["no earlier run to compare with"]}
        logger.info("Monitoring: no earlier run to compare with yet")
        return summary
    moves = segment_migration
    returning = moves[(moves["segment_before"] != NEW) & (moves["segment_now"] != LOST)]
    moved = int(
        returning.loc[returning["segment_before"] != returning["segment_now"], "customers"].sum()
    )
    n_returning = int(returning["customers"].sum())
    summary = {
        "returning_customers": n_returning,
        "moved_customers": moved,
        "moved_share": round(moved / n_returning, 6) if n_returning else 0.0,
        "new_customers": int(moves.loc[moves["segment_before"] == NEW, "customers"].sum()),
        "lost_customers": int(moves.loc[moves["segment_now"] == LOST, "customers"].sum()),
        "shifted_features": feature_drift.loc[
            feature_drift["verdict"] == "shift", "feature"
        ].tolist(),
        "watched_features": feature_drift.loc[
            feature_drift["verdict"] == "watch", "feature"
        ].tolist(),
    }
    reasons = _refit_reasons(summary, segment_changes, params.refit)
    summary["recommendation"] = "re-fit" if reasons else "keep"
    summary["reasons"] = reasons or ["segments, shares and features are within the thresholds"]
    logger.info(
        "Monitoring: %d of %d returning customers moved segment (%.1f%%); %s",
        moved,
        n_returning,
        100 * summary["moved_share"],
        summary["recommendation"],
    )
    return summary


def _refit_reasons(summary: dict[str, Any], changes: pd.DataFrame, refit: RefitParams) -> list[str]:
    reasons = []
    if summary["moved_share"] > refit.max_moved_share:
        reasons.append(
            f"{summary['moved_share']:.1%} of returning customers changed segment "
            f"(more than {refit.max_moved_share:.0%})"
        )
    large = changes[changes["share_change"].abs() > refit.max_share_change]
    for row in large.itertuples():
        reasons.append(
            f"'{row.segment}' went from {row.share_before:.1%} to {row.share_now:.1%} of customers"
        )
    if summary["shifted_features"]:
        reasons.append(f"the customers shifted on {', '.join(summary['shifted_features'])}")
    return reasons
