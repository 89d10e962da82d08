"""What the customers a model was fitted on looked like, and how far later customers are.

The reference profile is kept with the saved model, so that a later month can see whether
its customers still look like them (feature drift, in ``scoring`` and ``monitoring``) and
flag a customer far outside what the model saw before assigning them a segment. Per feature:
the inner decile edges and the share of customers between them, a sample and the range.

The population stability index (PSI) compares the shares per decile; credit-risk practice
reads it as < 0.1 stable, 0.1-0.25 watch, > 0.25 shifted. The Kolmogorov-Smirnov statistic D
(the largest gap between the two cumulative distributions) is an effect size; its p-value is
reported but not used alone, as on 100,000 customers any trivial change is "significant".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import Field
from scipy import stats

from customer_segmentation.parameters import Parameters

#: Shares below this count as this, so that an empty decile gives a finite PSI.
SHARE_FLOOR = 1e-4


class DriftThresholds(Parameters):
    """When a feature's drift is watched or counts as a shift (``monitoring.drift``)."""

    #: PSI above this: watch
    psi_watch: float = Field(gt=0)
    #: PSI above this: shift
    psi_shift: float = Field(gt=0)
    #: Kolmogorov-Smirnov D above this: shift
    ks_shift: float = Field(gt=0, lt=1)
    #: a difference counts only with a p-value below this (not chance on few customers)
    significance: float = Field(gt=0, lt=1)


def reference_profile(
    features: pd.DataFrame, columns: list[str], bins: int, sample_size: int, seed: int
) -> dict[str, dict[str, Any]]:
    """Per feature: inner decile edges, the share of customers per bin, a sorted sample."""
    rng = np.random.default_rng(seed)
    profile = {}
    for column in columns:
        values = finite_values(features[column])
        edges = np.unique(np.quantile(values, np.linspace(0, 1, bins + 1)[1:-1]))
        sample = values if len(values) <= sample_size else rng.choice(values, sample_size, False)
        profile[column] = {
            "edges": edges.tolist(),
            "shares": bin_shares(values, edges).tolist(),
            "sample": np.sort(sample).tolist(),
            "low": float(values.min()),
            "high": float(values.max()),
            "customers": len(values),
        }
    return profile


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


def finite_values(values: pd.Series) -> np.ndarray:
    """The numeric, finite values of a column (missing and infinite ones left out)."""
    array = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    return array[np.isfinite(array)]


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of ``values`` in each bin the inner ``edges`` make (right edge inclusive)."""
    counts = np.bincount(np.searchsorted(edges, values, side="left"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def population_stability_index(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI = sum over bins of (actual - expected) * ln(actual / expected)."""
    expected = np.maximum(expected, SHARE_FLOOR)
    actual = np.maximum(actual, SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def feature_drift(
    profile: dict[str, dict[str, Any]], current: pd.DataFrame, thresholds: DriftThresholds
) -> pd.DataFrame:
    """One row per profiled feature: PSI, KS D, their p-values, medians, and a verdict.

    ``shift`` when the PSI exceeds ``thresholds.psi_shift`` or D exceeds ``ks_shift``;
    ``watch`` when the PSI exceeds ``psi_watch``; ``stable`` otherwise. A difference counts
    only if it is also beyond chance (p-value below ``significance``): on a few hundred
    customers two samples of one distribution differ by a PSI near 0.1 and a D near 0.1 by
    chance alone. The PSI's p-value uses its chi-square approximation: under no change,
    PSI / (1/n + 1/m) follows chi-square with (bins - 1) degrees of freedom.
    """
    rows = []
    for column, reference in profile.items():
        values = finite_values(current[column])
        shares = np.asarray(reference["shares"])
        psi = population_stability_index(shares, bin_shares(values, np.asarray(reference["edges"])))
        noise = 1 / reference["customers"] + 1 / max(len(values), 1)
        psi_p = float(stats.chi2.sf(psi / noise, max(len(shares) - 1, 1)))
        test = stats.ks_2samp(np.asarray(reference["sample"]), values)
        real = thresholds.significance
        verdict = (
            "shift"
            if (psi > thresholds.psi_shift and psi_p < real)
            or (test.statistic > thresholds.ks_shift and test.pvalue < real)
            else "watch"
            if psi > thresholds.psi_watch and psi_p < real
            else "stable"
        )
        rows.append(
            {
                "feature": column,
                "psi": psi,
                "psi_p_value": psi_p,
                "ks_statistic": float(test.statistic),
                "ks_p_value": float(test.pvalue),
                "reference_median": float(np.median(reference["sample"])),
                "current_median": float(np.median(values)),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows)
