"""The node of the run summary (``segment_summary``, plain JSON)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from .segments import require_keys

#: Columns of selection_candidates the report and the workbook need (written by model_selection).
CANDIDATE_COLUMNS = ["scaler", "k", "silhouette", "best_at_k", "verdict"]
#: data_quality_summary keys kept in segment_summary; items 1-3 are required.
TRANSACTION_QUALITY_KEYS = (
    "dataset",
    "raw_lines",
    "clean_lines",
    "rejected_lines",
    "rejected_by_reason",
    "return_lines",
    "customers",
    "first_invoice",
    "last_invoice",
)
CUSTOMER_TABLE_QUALITY_KEYS = (
    "dataset",
    "raw_rows",
    "kept_rows",
    "rejected_rows",
    "rejected_by_reason",
    "customers",
    "missing_values",
    "input_shape",
)
#: best_params keys copied as they are into segment_summary (how the selection measured).
SELECTION_DETAILS = (
    "scoring_space",
    "n_candidates",
    "n_feasible_candidates",
    "min_segment_share",
    "n_customers",
    "search_sample_size",
    "silhouette_sample_size",
    "silhouette_samples",
)


def build_segment_summary(
    best_params: dict[str, Any],
    stability_summary: dict[str, Any],
    data_quality_summary: dict[str, Any],
    segment_profiles: pd.DataFrame,
    overall_profile: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Headline numbers of the run as plain JSON: model, stability, data quality, segments.

    The model part comes from ``best_params``: the chosen K and scaler with their scores,
    ``silhouette_std`` (spread of the silhouette over its samples), ``selection_stability``
    (mean adjusted Rand index of the re-fits the selection policy ran on the choice; not the
    bootstrap ``stability`` of the final model), the ``policy``, ``forced_k``, the
    ``runner_up`` (with ``why_not``), the ``selection_reason`` and how the scores were measured
    (``scoring_space``, ``silhouette_samples`` of ``silhouette_sample_size`` rows of the
    ``search_sample_size`` search sample). Keys an older ``best_params`` lacks are ``None``.
    ``overall_profile`` (mean and median per feature over all customers) is kept so runs can be
    compared for drift.
    """
    require_keys(best_params, ["k", "scaler"], "best_params")
    require_keys(stability_summary, ["mean_ari"], "stability_summary")
    quality_keys = (
        CUSTOMER_TABLE_QUALITY_KEYS
        if "raw_rows" in data_quality_summary
        else TRANSACTION_QUALITY_KEYS
    )
    require_keys(data_quality_summary, quality_keys[1:4], "data_quality_summary")
    segment_columns = ["cluster", "segment", "customers", "customer_share", "revenue_share"]
    segments = segment_profiles[[c for c in segment_columns if c in segment_profiles]]
    summary = {
        "k": best_params["k"],
        "scaler": best_params["scaler"],
        "silhouette": best_params.get("silhouette"),
        "silhouette_std": best_params.get("silhouette_std"),
        "calinski_harabasz": best_params.get("calinski_harabasz"),
        "davies_bouldin": best_params.get("davies_bouldin"),
        "min_cluster_share": best_params.get("min_cluster_share"),
        "selection_stability": best_params.get("stability"),
        "policy": best_params.get("policy"),
        "forced_k": best_params.get("forced_k"),
        "runner_up": best_params.get("runner_up"),
        "selection_reason": best_params.get("reason"),
        **{key: best_params.get(key) for key in SELECTION_DETAILS},
        "stability": {
            key: stability_summary.get(key)
            for key in ("mean_ari", "std_ari", "n_bootstrap", "unstable_segments")
        },
        "data_quality": {key: data_quality_summary.get(key) for key in quality_keys},
        "customers_segmented": int(segment_profiles["customers"].sum()),
        "n_segments": len(segment_profiles),
        "segments": segments.to_dict(orient="records"),
        "overall_profile": overall_profile,
    }
    if "revenue" in segment_profiles:
        summary["revenue_total"] = float(segment_profiles["revenue"].sum())
    return _json_safe(summary)


def _json_safe(value: Any) -> Any:
    """Plain JSON types: numpy scalars unwrapped, NaN/inf as None, tuples as lists."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray | pd.Series):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
