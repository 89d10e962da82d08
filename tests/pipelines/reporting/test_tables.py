"""Segment profiles, feature tests and run summary (the workbook: test_workbook.py)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.summary import build_segment_summary
from customer_segmentation.pipelines.reporting.tables import (
    build_overall_profile,
    build_segment_profiles,
    compute_feature_tests,
    eta_squared,
)

from .conftest import (
    MODEL_FEATURES,
    NOISE_FEATURE,
    RUNNER_UP_WHY,
    profiling_without,
    reporting_params,
)


def _profiles(inputs: dict[str, Any], params: ReportingParams) -> pd.DataFrame:
    return build_segment_profiles(inputs["customer_features"], inputs["customer_segments"], params)


def _tests(inputs: dict[str, Any], params: ReportingParams) -> pd.DataFrame:
    return compute_feature_tests(
        inputs["model_input"], inputs["customer_segments"], inputs["feature_transforms"], params
    )


def test_profiles_sizes_and_shares(inputs, params):
    profiles = _profiles(inputs, params)
    segments = inputs["customer_segments"]
    assert profiles["cluster"].tolist() == sorted(segments["cluster"].unique())
    expected = segments.groupby("cluster").size()
    assert profiles.set_index("cluster")["customers"].to_dict() == expected.to_dict()
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)


def test_profiles_revenue_matches_customer_monetary(inputs, params):
    profiles = _profiles(inputs, params).set_index("cluster")
    merged = inputs["customer_features"].merge(inputs["customer_segments"], on="customer_id")
    expected = merged.groupby("cluster")["monetary"].sum()
    np.testing.assert_allclose(profiles["revenue"], expected.loc[profiles.index])
    assert profiles["revenue"].sum() == pytest.approx(inputs["customer_features"]["monetary"].sum())


def test_profiles_mean_and_median_in_original_units(inputs, params):
    profiles = _profiles(inputs, params).set_index("cluster")
    merged = inputs["customer_features"].merge(inputs["customer_segments"], on="customer_id")
    for feature in MODEL_FEATURES:
        grouped = merged.groupby("cluster")[feature]
        np.testing.assert_allclose(profiles[f"{feature}_mean"], grouped.mean())
        np.testing.assert_allclose(profiles[f"{feature}_median"], grouped.median())


def test_profiles_rfm_mix_rows_sum_to_one(inputs, params):
    profiles = _profiles(inputs, params)
    mix = profiles.filter(like="rfm_mix_")
    expected = {f"rfm_mix_{name}" for name in inputs["customer_features"]["rfm_segment"].unique()}
    assert set(mix.columns) == expected
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)
    champions = inputs["customer_features"].merge(inputs["customer_segments"], on="customer_id")
    first = champions[champions["cluster"] == 0]
    assert profiles.loc[0, "rfm_mix_At Risk"] == pytest.approx(
        (first["rfm_segment"] == "At Risk").mean()
    )


def test_profiles_without_revenue_column(inputs, params):
    features = inputs["customer_features"].drop(columns=["monetary", "avg_order_value"])
    params = profiling_without(params, "monetary", "avg_order_value")
    profiles = build_segment_profiles(features, inputs["customer_segments"], params)
    assert "revenue" not in profiles and "revenue_share" not in profiles
    assert "monetary_mean" not in profiles
    assert profiles["customer_share"].sum() == pytest.approx(1.0)
    assert "recency_median" in profiles


def test_profiles_name_a_profile_feature_that_is_not_a_column(inputs, params):
    features = inputs["customer_features"].drop(columns=["avg_order_value"])
    with pytest.raises(InputValidationError, match=r"\['avg_order_value'\]") as error:
        build_segment_profiles(features, inputs["customer_segments"], params)
    assert error.value.parameter == "reporting.profile_features"


def test_profiles_reject_segmented_customers_without_features(inputs, params):
    features = inputs["customer_features"].iloc[5:]
    with pytest.raises(InputValidationError, match="customer_features") as error:
        build_segment_profiles(features, inputs["customer_segments"], params)
    assert error.value.column == "customer_id"


def test_feature_tests_columns_and_sorting(inputs, params):
    tests = _tests(inputs, params)
    assert list(tests.columns) == [
        "feature",
        "anova_f",
        "anova_p",
        "kruskal_h",
        "kruskal_p",
        "eta_squared",
        "separates",
    ]
    assert sorted(tests["feature"]) == sorted(MODEL_FEATURES)
    assert tests["eta_squared"].is_monotonic_decreasing
    assert tests["anova_p"].between(0, 1).all() and tests["kruskal_p"].between(0, 1).all()


def test_feature_tests_flag_noise_as_not_separating(inputs, params):
    tests = _tests(inputs, params).set_index("feature")
    assert not tests.loc[NOISE_FEATURE, "separates"]
    assert tests.loc[NOISE_FEATURE, "eta_squared"] < 0.05
    assert tests.loc[["recency", "monetary", "frequency"], "separates"].all()
    assert tests.index[-1] == NOISE_FEATURE


def test_feature_tests_constant_feature_does_not_separate(inputs, params):
    inputs["model_input"]["return_rate"] = 0.5
    tests = _tests(inputs, params).set_index("feature")
    assert not tests.loc["return_rate", "separates"]
    assert tests.loc["return_rate", "eta_squared"] == 0.0


def test_feature_tests_effect_size_threshold_applies(inputs):
    tests = _tests(inputs, reporting_params({"min_effect_size": 0.99}))
    assert not tests["separates"].any()


def test_feature_tests_flag_uses_bonferroni_threshold(inputs):
    # The noise feature's p-values (~0.55) are below 0.6 but not below 0.6 / 9.
    tests = _tests(inputs, reporting_params({"significance_level": 0.6, "min_effect_size": 0.0}))
    threshold = 0.6 / len(MODEL_FEATURES)
    noise = tests.set_index("feature").loc[NOISE_FEATURE]
    assert threshold < min(noise["anova_p"], noise["kruskal_p"]) < 0.6
    expected = (tests["anova_p"] < threshold) & (tests["kruskal_p"] < threshold)
    assert tests["separates"].tolist() == expected.tolist()
    assert not noise["separates"]


def test_eta_squared_known_values():
    labels = np.array([0, 0, 1, 1])
    assert eta_squared(np.array([1.0, 1.0, 3.0, 3.0]), labels) == pytest.approx(1.0)
    assert eta_squared(np.array([1.0, 3.0, 1.0, 3.0]), labels) == pytest.approx(0.0)
    assert eta_squared(np.array([0.0, 2.0, 2.0, 4.0]), labels) == pytest.approx(0.5)


def _overall(inputs: dict[str, Any], params: ReportingParams) -> dict[str, dict[str, float]]:
    return build_overall_profile(inputs["customer_features"], inputs["customer_segments"], params)


def test_overall_profile_covers_all_segmented_customers(inputs, params):
    overall = _overall(inputs, params)
    features = inputs["customer_features"]
    assert set(overall) == set(MODEL_FEATURES)
    assert overall["monetary"]["mean"] == pytest.approx(features["monetary"].mean())
    assert overall["recency"]["median"] == pytest.approx(features["recency"].median())


def test_segment_summary_is_plain_json(inputs, params):
    profiles = _profiles(inputs, params)
    summary = build_segment_summary(
        inputs["best_params"],
        inputs["stability_summary"],
        inputs["data_quality_summary"],
        profiles,
        _overall(inputs, params),
    )
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary
    assert summary["k"] == 4 and summary["scaler"] == "standard"
    assert summary["stability"]["mean_ari"] == pytest.approx(0.87)
    assert summary["data_quality"]["rejected_by_reason"] == {
        "missing_customer_id": 450,
        "zero_price": 150,
    }
    assert sum(s["customers"] for s in summary["segments"]) == 300
    names = {s["segment"] for s in summary["segments"]}
    assert names == set(inputs["customer_segments"]["segment"])
    assert summary["revenue_total"] == pytest.approx(inputs["customer_features"]["monetary"].sum())
    assert summary["overall_profile"]["tenure"] == _overall(inputs, params)["tenure"]


def _summary(inputs: dict[str, Any], params: ReportingParams) -> dict[str, Any]:
    return build_segment_summary(
        inputs["best_params"],
        inputs["stability_summary"],
        inputs["data_quality_summary"],
        _profiles(inputs, params),
        _overall(inputs, params),
    )


def test_segment_summary_carries_the_selection(inputs, params):
    summary = _summary(inputs, params)
    best = inputs["best_params"]
    assert summary["silhouette"] == best["silhouette"]
    assert summary["silhouette_std"] == pytest.approx(0.008)
    assert summary["selection_stability"] == pytest.approx(0.97)
    assert summary["policy"] == "largest_stable_k" and summary["forced_k"] is None
    assert summary["runner_up"]["k"] == 3
    assert summary["runner_up"]["why_not"] == RUNNER_UP_WHY
    assert summary["selection_reason"] == best["reason"]
    assert summary["scoring_space"] == "standardized"
    assert (summary["silhouette_samples"], summary["silhouette_sample_size"]) == (5, 200)
    assert summary["stability"]["mean_ari"] == pytest.approx(0.87)  # bootstrap, kept apart
    assert json.loads(json.dumps(summary, allow_nan=False)) == summary


def test_segment_summary_of_best_params_without_the_selection_keys(inputs, params):
    inputs["best_params"] = {
        key: inputs["best_params"][key] for key in ("scaler", "k", "silhouette")
    }
    summary = _summary(inputs, params)
    assert summary["k"] == 4
    for key in ("silhouette_std", "selection_stability", "policy", "runner_up", "scoring_space"):
        assert summary[key] is None, key


def test_segment_summary_requires_model_keys(inputs, params):
    best = {k: v for k, v in inputs["best_params"].items() if k != "scaler"}
    with pytest.raises(InputValidationError, match="best_params"):
        build_segment_summary(
            best,
            inputs["stability_summary"],
            inputs["data_quality_summary"],
            _profiles(inputs, params),
            _overall(inputs, params),
        )
