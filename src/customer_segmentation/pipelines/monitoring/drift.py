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

from customer_segmentation.model.reference import bin_shares, finite_values

#: Shares below this count as this, so that an empty decile gives a finite PSI.
SHARE_FLOOR = 1e-4


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
        values = finite_values(current[column])
        edges = np.asarray(reference["edges"])
        psi = population_stability_index(np.asarray(reference["shares"]), bin_shares(values, edges))
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
