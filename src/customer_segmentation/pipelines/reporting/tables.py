"""Nodes of the reporting tables: segment profiles, the overall profile and feature tests.

Profiles are in the units users know (``customer_features``); the tests run on the values the
clustering saw (``model_input``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model import CATEGORY_SEPARATOR, is_numeric_column

from .params import ReportingParams
from .segments import join_segments, require_columns, require_keys, segment_index

logger = logging.getLogger(__name__)
RFM_MIX_PREFIX = "rfm_mix_"
CATEGORY_SHARE_SUFFIX = "_share"
#: Category label of a missing value in category shares.
MISSING_CATEGORY = "(missing)"


def category_share_column(feature: str, category: str) -> str:
    """Profile column of a category share, e.g. ``city=London_share``."""
    return f"{feature}{CATEGORY_SEPARATOR}{category}{CATEGORY_SHARE_SUFFIX}"


def _categories(values: pd.Series) -> pd.Series:
    """Text categories with missing values as :data:`MISSING_CATEGORY`."""
    return values.astype("string").fillna(MISSING_CATEGORY).astype(str)


def _category_order(categories: pd.Series) -> list[str]:
    """Most frequent first (ties by name), the missing category last."""
    counts = categories.value_counts()
    ordered = sorted(counts.index, key=lambda c: (c == MISSING_CATEGORY, -counts[c], c))
    return [str(c) for c in ordered]


def build_segment_profiles(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> pd.DataFrame:
    """One row per segment: size, revenue, mean/median of each raw feature, RFM mix.

    Columns: ``cluster, segment, customers, customer_share, [revenue, revenue_share],
    <feature>_mean, <feature>_median ..., <feature>=<category>_share ..., rfm_mix_<rfm_segment>
    ...``. Numeric features get mean and median, categorical (text) ones the share of the
    segment's customers in each category (missing values as ``(missing)``; each feature's
    shares sum to 1 per segment). Wide RFM mix: share of the segment's customers in each RFM
    named segment. Revenue columns and the RFM mix are skipped when
    ``customer_features`` lacks them (a customer table); a profile feature it lacks is an
    error.
    """
    segments = segment_index(customer_segments)
    merged = join_segments(customer_features, customer_segments, "customer_features")
    missing = [f for f in params.profile_features if f not in customer_features.columns]
    if missing:
        # a misspelled feature would otherwise vanish from the report without a word
        raise InputValidationError(
            f"lists {missing}, not columns of customer_features "
            f"(columns: {[c for c in customer_features.columns if c != 'customer_id']})",
            f"use column names in reporting.profile_features in "
            f"{config_file('parameters_reporting.yml')}",
            parameter="reporting.profile_features",
        )
    features = list(params.profile_features)
    numeric_features = [f for f in features if is_numeric_column(merged[f])]
    categorical_features = [f for f in features if f not in numeric_features]

    profiles = segments[["cluster", "segment"]].set_index("cluster")
    profiles["customers"] = merged.groupby("cluster").size()
    profiles["customer_share"] = profiles["customers"] / profiles["customers"].sum()
    if params.revenue_column in merged.columns:
        revenue = merged[params.revenue_column].astype("float64")
        profiles["revenue"] = revenue.groupby(merged["cluster"]).sum()
        total = profiles["revenue"].sum()
        profiles["revenue_share"] = profiles["revenue"] / total if total != 0 else np.nan
    else:
        logger.info(
            "customer_features has no revenue column %r (reporting.revenue_column): revenue "
            "and revenue share are left out of the profiles, summary, plots and report",
            params.revenue_column,
        )
    numeric = merged[numeric_features].astype("float64")
    means = numeric.groupby(merged["cluster"]).mean()
    medians = numeric.groupby(merged["cluster"]).median()
    for feature in numeric_features:
        profiles[f"{feature}_mean"] = means[feature]
        profiles[f"{feature}_median"] = medians[feature]
    for feature in categorical_features:
        categories = _categories(merged[feature])
        shares = pd.crosstab(merged["cluster"], categories, normalize="index")
        for category in _category_order(categories):
            profiles[category_share_column(feature, category)] = shares[category]
    if "rfm_segment" in merged.columns:
        mix = pd.crosstab(merged["cluster"], merged["rfm_segment"].astype(str), normalize="index")
        profiles = profiles.join(mix.add_prefix(RFM_MIX_PREFIX))
    else:
        logger.info(
            "customer_features has no rfm_segment column (RFM scores need invoice lines, "
            "a customer table has none): the RFM segment mix is left out"
        )
    return profiles.reset_index()


def build_overall_profile(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> dict[str, dict[str, Any]]:
    """Each profiled feature over all segmented customers (original units).

    Numeric: ``{"mean": x, "median": y}``; categorical: ``{"shares": {category: share}}``.
    """
    merged = join_segments(customer_features, customer_segments, "customer_features")
    features = [f for f in params.profile_features if f in merged.columns]
    overall: dict[str, dict[str, Any]] = {}
    for feature in features:
        if is_numeric_column(merged[feature]):
            values = merged[feature].astype("float64")
            overall[feature] = {"mean": float(values.mean()), "median": float(values.median())}
        else:
            categories = _categories(merged[feature])
            shares = categories.value_counts(normalize=True)
            overall[feature] = {
                "shares": {c: float(shares[c]) for c in _category_order(categories)}
            }
    return overall


def eta_squared(values: np.ndarray, labels: np.ndarray) -> float:
    """Share of the variance of ``values`` explained by the group ``labels`` (0 if constant)."""
    total = float(((values - values.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    between = sum(
        (labels == g).sum() * (values[labels == g].mean() - values.mean()) ** 2
        for g in np.unique(labels)
    )
    return float(between / total)


def compute_feature_tests(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> pd.DataFrame:
    """ANOVA, Kruskal-Wallis and eta squared of each model feature across segments.

    Tested on the model input (the values the clustering saw). ``separates`` is true when both
    p-values are below ``significance_level`` divided by the number of features (Bonferroni)
    and eta squared is at least ``min_effect_size``. Categorical features
    (``feature_transforms["categorical_features"]``, customer table) get a chi-square test of
    independence of category and segment instead (columns ``chi2``, ``chi2_p``; ANOVA and
    Kruskal-Wallis empty) and Cramér's V squared in ``eta_squared`` (for a two-category
    feature it equals eta squared of its 0/1 indicator); they separate when ``chi2_p`` is below
    the threshold and V squared is at least ``min_effect_size``. The segments were built from
    these features, so the tests describe the separation; they do not confirm it. Sorted by
    eta squared, largest first.
    """
    require_keys(feature_transforms, ["model_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
    categorical = set(feature_transforms.get("categorical_features") or [])
    require_columns(model_input, features, "model_input")
    merged = join_segments(model_input, customer_segments, "model_input")
    labels = merged["cluster"].to_numpy()
    clusters = np.unique(labels)
    if len(clusters) < 2:
        raise InputValidationError(
            f"has {len(clusters)} segment(s); tests need at least 2",
            "check the clustering output",
            dataset="customer_segments",
            column="cluster",
        )
    threshold = params.significance_level / len(features)
    rows = []
    for feature in features:
        if feature in categorical:
            rows.append(_categorical_test(merged[feature], labels, threshold, params))
            continue
        values = merged[feature].to_numpy(dtype="float64")
        keep = np.isfinite(values)
        x, g = values[keep], labels[keep]
        groups = [x[g == c] for c in clusters if (g == c).any()]
        row = {
            "feature": feature,
            "anova_f": np.nan,
            "anova_p": np.nan,
            "kruskal_h": np.nan,
            "kruskal_p": np.nan,
            "eta_squared": eta_squared(x, g),
        }
        if len(groups) >= 2 and np.ptp(x) > 0:
            row["anova_f"], row["anova_p"] = (float(v) for v in stats.f_oneway(*groups))
            row["kruskal_h"], row["kruskal_p"] = (float(v) for v in stats.kruskal(*groups))
        row["separates"] = bool(
            row["anova_p"] < threshold
            and row["kruskal_p"] < threshold
            and row["eta_squared"] >= params.min_effect_size
        )
        rows.append(row)
    tests = pd.DataFrame(rows)
    if categorical:
        tests = tests[[c for c in tests if c != "separates"] + ["separates"]]
    return tests.sort_values("eta_squared", ascending=False, kind="stable").reset_index(drop=True)


def _categorical_test(
    values: pd.Series, labels: np.ndarray, threshold: float, params: ReportingParams
) -> dict[str, Any]:
    """Chi-square test of category x segment and Cramér's V squared (missing values dropped)."""
    keep = values.notna().to_numpy()
    table = pd.crosstab(labels[keep], values[keep].astype(str).to_numpy())
    row: dict[str, Any] = {
        "feature": str(values.name),
        "anova_f": np.nan,
        "anova_p": np.nan,
        "kruskal_h": np.nan,
        "kruskal_p": np.nan,
        "eta_squared": 0.0,
        "chi2": np.nan,
        "chi2_p": np.nan,
    }
    if min(table.shape) >= 2:
        result = stats.chi2_contingency(table.to_numpy())
        n = float(table.to_numpy().sum())
        row["chi2"], row["chi2_p"] = float(result.statistic), float(result.pvalue)
        row["eta_squared"] = row["chi2"] / (n * (min(table.shape) - 1))
    row["separates"] = bool(
        row["chi2_p"] < threshold and row["eta_squared"] >= params.min_effect_size
    )
    return row
