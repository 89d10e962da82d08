"""Did the customer base move? Per feature, this month's customers against a reference.

The reference is a profile of the customers a model was fitted on (:func:`reference_profile`,
kept with the model): decile edges with the share of customers between them, and a sample
for the Kolmogorov-Smirnov test. The population stability index (PSI) compares shares per
decile; credit-risk practice reads it as < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted. The
KS statistic D (the largest gap between the two cumulative distributions) is an effect size;
its p-value is reported but not used alone, as on 100,000 customers any trivial change is
"significant".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

#: Shares below this count as this, so that an empty decile gives a finite PSI.
SHARE_FLOOR = 1e-4


def reference_profile(
    features: pd.DataFrame, columns: list[str], bins: int, sample_size: int, seed: int
) -> dict[str, dict[str, Any]]:
    """Per feature: inner decile edges, the share of customers per bin, a sorted sample."""
    rng = np.random.default_rng(seed)
    profile = {}
    for column in columns:
        values = _finite(features[column])
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        sample = values if len(values) <= sample_size else rng.choice(values, sample_size, False)
        profile[column] = {
            "edges": edges.tolist(),
            "shares": _shares(values, edges).tolist(),
            "sample": np.sort(sample).tolist(),
            "low": float(values.min()),
            "high": float(values.max()),
            "customers": len(values),
        }
    return profile


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected)."""
    expected = np.maximum(expected, SHARE_FLOOR)
    actual = np.maximum(actual, SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_drift(
    profile: dict[str, dict[str, Any]],
    current: pd.DataFrame,
    psi_watch: float,
    psi_shift: float,
    ks_shift: float,
) -> pd.DataFrame:
    """One row per profiled feature: PSI, KS D and p-value, medians, and a verdict.

    ``shift`` when the PSI exceeds ``psi_shift`` or D exceeds ``ks_shift``; ``watch`` when
    the PSI exceeds ``psi_watch``; ``stable`` otherwise.
    """
    rows = []
    for column, reference in profile.items():
        values = _finite(current[column])
        edges = np.asarray(reference["edges"])
        psi = population_stability_index(np.asarray(reference["shares"]), _shares(values, edges))
        test = stats.ks_2samp(np.asarray(reference["sample"]), values)
        verdict = (
            "shift"
            if psi > psi_shift or test.statistic > ks_shift
            else "watch"
            if psi > psi_watch
            else "stable"
        )
        rows.append(
            {
                "feature": column,
                "psi": psi,
                "ks_statistic": float(test.statistic),
                "ks_p_value": float(test.pvalue),
                "reference_median": float(np.median(reference["sample"])),
                "current_median": float(np.median(values)),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)


def outside_reference(
    profile: dict[str, dict[str, Any]], current: pd.DataFrame, margin: float
) -> pd.Series:
    """Whether each customer lies far outside the reference range on some feature.

    Far = beyond the reference's [low, high] by more than ``margin`` times its width: such
    customers would be assigned to a segment the model never saw the like of.
    """
    outside = pd.Series(False, index=current.index)
    for column, reference in profile.items():
        width = reference["high"] - reference["low"] or 1.0
        low, high = reference["low"] - margin * width, reference["high"] + margin * width
        values = current[column]
        outside |= (values < low) | (values > high)
    return outside


def _finite(values: pd.Series) -> np.ndarray:
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    return array[np.isfinite(array)]


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin the inner ``edges`` make (right edge inclusive)."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)
