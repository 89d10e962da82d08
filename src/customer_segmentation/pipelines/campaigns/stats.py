"""The statistics of ``campaigns``, all statsmodels': no hand-written tests.

- ``test_proportions_2indep``: the test of treatment against control conversion (score test
  of the difference by default, ``campaigns.test_method``);
- ``confint_proportions_2indep``: the interval of the absolute lift (``campaigns.ci_method``,
  Newcombe by default) and of the ratio (log-adjusted), the relative lift's;
- ``multipletests``: the correction for testing many segments (Holm by default);
- ``NormalIndPower`` with ``proportion_effectsize`` (Cohen's h): the customers per arm that
  a test at the corrected level would need for a lift of a given size.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
    test_proportions_2indep,
)

from .params import CampaignParams

LIFT = "lift"
NEGATIVE_LIFT = "negative lift"
NO_LIFT = "no detectable lift"
NOT_ENOUGH_DATA = "not enough data"
#: The verdicts, in the order the report lists them.
VERDICTS = (LIFT, NEGATIVE_LIFT, NO_LIFT, NOT_ENOUGH_DATA)

#: Columns of ``campaign_lift``, one row per campaign, segment and treatment variant.
LIFT_COLUMNS = [
    "campaign",
    "segment",
    "variant",
    "customers",
    "conversions",
    "conversion_rate",
    "control_customers",
    "control_conversions",
    "control_conversion_rate",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "relative_lift",
    "relative_lift_ci_low",
    "relative_lift_ci_high",
    "p_value",
    "p_value_adjusted",
    "significant",
    "needed_per_arm_observed",
    "needed_per_arm_minimum_lift",
    "verdict",
]


def _rate(conversions: pd.Series, customers: pd.Series) -> pd.Series:
    return (conversions / customers.where(customers > 0)).astype(float)


def _test(row: pd.Series, params: CampaignParams) -> tuple[float, ...]:
    """p-value, the absolute lift's interval and the relative lift's, for one tested row."""
    counts = (row["conversions"], row["customers"], row["control_conversions"])
    args = (*counts, row["control_customers"])
    ci_alpha = 1.0 - params.confidence_level
    result = test_proportions_2indep(
        *args, method=params.test_method, compare="diff", alternative="two-sided"
    )
    p_value = float(result.pvalue)
    low, high = confint_proportions_2indep(
        *args, method=params.ci_method, compare="diff", alpha=ci_alpha
    )
    if row["conversions"] > 0 and row["control_conversions"] > 0:
        ratio_low, ratio_high = confint_proportions_2indep(
            *args, method="log-adjusted", compare="ratio", alpha=ci_alpha
        )
        relative = (float(ratio_low) - 1.0, float(ratio_high) - 1.0)
    else:  # a rate of 0: the ratio's interval is unbounded
        relative = (math.nan, math.nan)
    # identical rates of 0 or 1 in both arms: no evidence of any difference
    return (1.0 if math.isnan(p_value) else p_value, float(low), float(high), *relative)


@functools.lru_cache(maxsize=4096)
def needed_per_arm(control_rate: float, lift: float, alpha: float, power: float) -> float:
    """Customers per arm (equal arms) to detect ``lift`` over ``control_rate`` (two-sided).

    NaN when there is no positive lift to detect or no control rate to start from. Cached:
    the solver is iterative, and many rows share their rates.
    """
    if not (lift > 0 and 0 <= control_rate < 1):
        return math.nan
    effect = abs(proportion_effectsize(min(control_rate + lift, 1.0), control_rate))
    if effect == 0:
        return math.nan
    n = NormalIndPower().solve_power(
        effect_size=effect, alpha=alpha, power=power, ratio=1.0, alternative="two-sided"
    )
    return float(math.ceil(n))


def _adjust(table: pd.DataFrame, tested: pd.Series, params: CampaignParams) -> pd.DataFrame:
    """Corrected p-values, ``significant`` and ``family_size`` (tests in the row's family).

    The family is the row's campaign (``correction_family: campaign``) or the whole run.
    """
    if params.correction_family == "campaign":
        family = table["campaign"]
    else:
        family = pd.Series("all", index=table.index)
    adjusted = pd.Series(np.nan, index=table.index)
    significant = pd.Series(False, index=table.index)
    for _, rows in table[tested].groupby(family[tested], sort=True):
        reject, corrected, _, _ = multipletests(
            rows["p_value"].to_numpy(), alpha=params.alpha, method=params.correction
        )
        adjusted[rows.index] = corrected
        significant[rows.index] = reject
    sizes = tested.astype(int).groupby(family).transform("sum").clip(lower=1)
    return table.assign(
        p_value_adjusted=adjusted, significant=significant.astype(bool), family_size=sizes
    )


def compare_arms(table: pd.DataFrame, enough: pd.Series, params: CampaignParams) -> pd.DataFrame:
    """``table`` (both arms per row) with rates, lifts, tests, sample sizes and verdicts.

    Rows where ``enough`` is False are not tested (no p-value, outside the correction's
    family) and get the verdict "not enough data"; their sample sizes are still given.
    """
    out = table.copy()
    out["conversion_rate"] = _rate(out["conversions"], out["customers"])
    out["control_conversion_rate"] = _rate(out["control_conversions"], out["control_customers"])
    out["lift"] = out["conversion_rate"] - out["control_conversion_rate"]
    out["relative_lift"] = out["lift"] / out["control_conversion_rate"].where(
        out["control_conversion_rate"] > 0
    )
    columns = ["p_value", "lift_ci_low", "lift_ci_high"]
    columns += ["relative_lift_ci_low", "relative_lift_ci_high"]
    results = [
        _test(row, params) if ok else (math.nan,) * 5
        for (_, row), ok in zip(out.iterrows(), enough, strict=True)
    ]
    out[columns] = pd.DataFrame(results, index=out.index, columns=columns, dtype=float)
    out = _adjust(out, enough, params)
    # the level of each test under a Bonferroni correction of its family (Holm's is no
    # stricter): the sample a corrected test would need
    level = params.alpha / out["family_size"]
    out["needed_per_arm_observed"] = [
        needed_per_arm(rate, lift, a, params.power)
        for rate, lift, a in zip(out["control_conversion_rate"], out["lift"], level, strict=True)
    ]
    out["needed_per_arm_minimum_lift"] = [
        needed_per_arm(rate, params.minimum_detectable_lift, a, params.power)
        for rate, a in zip(out["control_conversion_rate"], level, strict=True)
    ]
    verdict = np.where(
        ~enough,
        NOT_ENOUGH_DATA,
        np.where(out["significant"], np.where(out["lift"] > 0, LIFT, NEGATIVE_LIFT), NO_LIFT),
    )
    out["verdict"] = verdict
    return out
