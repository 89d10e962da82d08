"""What the customers a model was fitted on looked like: its reference for later months.

Kept with the saved model, so that a later month can see whether its customers still look
like them (``monitoring``'s feature drift) and flag a customer far outside what the model
saw before assigning them a segment (``scoring``). Per feature: the inner decile edges and
the share of customers between them (for the population stability index), a sample (for the
Kolmogorov-Smirnov test) and the range.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


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
