"""Feature drift against a reference profile: planted shifts flagged, resamples not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.model.reference import (
    DriftThresholds,
    feature_drift,
    outside_reference,
    population_stability_index,
    reference_profile,
)

COLUMNS = ["recency", "frequency", "monetary"]


def customers(n: int, seed: int, monetary_scale: float = 1.0, recency_shift: int = 0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "recency": rng.integers(0, 365, n) + recency_shift,
            "frequency": rng.poisson(3, n) + 1,  # discrete, many ties
            "monetary": rng.lognormal(5, 1, n) * monetary_scale,
        }
    )


def profile_of(frame: pd.DataFrame):
    return reference_profile(frame, COLUMNS, bins=10, sample_size=5000, seed=0)


def drift(reference: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    thresholds = DriftThresholds(psi_watch=0.1, psi_shift=0.25, ks_shift=0.1, significance=0.01)
    table = feature_drift(profile_of(reference), current, thresholds)
    return table.set_index("feature")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_another_sample_of_the_same_customers_is_stable(seed: int):
    table = drift(customers(20_000, seed=0), customers(20_000, seed=seed))
    assert (table["verdict"] == "stable").all(), table
    assert (table["psi"] < 0.01).all()


def test_a_planted_shift_is_flagged_and_only_there():
    table = drift(customers(20_000, seed=0), customers(20_000, seed=1, monetary_scale=2.0))
    assert table.loc["monetary", "verdict"] == "shift"
    assert table.loc["monetary", "psi"] > 0.25
    assert table.loc["monetary", "current_median"] > 1.8 * table.loc["monetary", "reference_median"]
    assert (table.drop(index="monetary")["verdict"] == "stable").all()


def test_a_moderate_shift_is_watched():
    table = drift(customers(20_000, seed=0), customers(20_000, seed=1, recency_shift=40))
    assert table.loc["recency", "verdict"] in {"watch", "shift"}
    assert table.loc["recency", "psi"] > 0.1


def test_psi_of_equal_shares_is_zero_and_of_an_empty_bin_finite():
    shares = np.full(10, 0.1)
    assert population_stability_index(shares, shares) == 0
    moved = np.array([0.0, 0.2, *np.full(8, 0.1)])
    assert 0 < population_stability_index(shares, moved) < 10


def test_customers_far_outside_the_reference_are_flagged():
    reference = customers(1000, seed=0)
    current = customers(5, seed=1)
    current.loc[3, "monetary"] = reference["monetary"].max() * 50
    flagged = outside_reference(profile_of(reference), current, margin=0.5)
    assert flagged.tolist() == [False, False, False, True, False]


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_few_hundred_customers_of_the_same_kind_raise_no_alarm(seed: int):
    # PSI and D of two samples of 300 differ from 0 by chance as much as a real change
    table = drift(customers(300, seed=0), customers(300, seed=seed))
    assert (table["verdict"] == "stable").all(), table
