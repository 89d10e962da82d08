"""Small, consistent in-memory inputs for the reporting pipeline, following the upstream contracts.

300 customers in 4 well-separated groups; ``units_per_order`` is pure noise (same distribution in
every group), so it must come out as not separating the segments. A real sklearn Pipeline
(StandardScaler + KMeans) is fitted on the transformed model input.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from customer_segmentation.model import apply_feature_transforms, invert_feature_transforms
from customer_segmentation.pipelines.feature_engineering.nodes import CUSTOMER_FEATURES
from customer_segmentation.pipelines.reporting.params import ReportingParams
from tests.pipelines.pipeline_helpers import merged, typed_parameters

N_PER_GROUP = 75
SEED = 7
MODEL_FEATURES = list(CUSTOMER_FEATURES)
LOG1P_FEATURES = ["frequency", "monetary", "avg_order_value", "distinct_products"]
NOISE_FEATURE = "units_per_order"
# Group centres of the raw features (noise feature excluded).
CENTRES = {
    "recency": [20, 300, 60, 150],
    "frequency": [25, 2, 8, 4],
    "monetary": [5000, 150, 900, 400],
    "avg_order_value": [200, 75, 110, 95],
    "tenure": [700, 120, 500, 300],
    "mean_days_between_purchases": [25, 150, 60, 90],
    "return_rate": [0.02, 0.2, 0.05, 0.1],
    "distinct_products": [120, 5, 30, 15],
}
SEGMENT_NAMES = ["Champions", "Lost", "Loyal", "Needs Attention"]
RFM_NAMES = ["Champions", "At Risk", "Loyal Customers", "Hibernating"]


def _customer_features(rng: np.random.Generator) -> pd.DataFrame:
    group = np.repeat(np.arange(4), N_PER_GROUP)
    n = len(group)
    data: dict[str, Any] = {"customer_id": [f"C{i:04d}" for i in range(n)]}
    for feature, centres in CENTRES.items():
        centre = np.asarray(centres, dtype="float64")[group]
        data[feature] = centre * rng.lognormal(0.0, 0.15, size=n)
    data["return_rate"] = np.clip(data["return_rate"], 0, 1)
    data[NOISE_FEATURE] = rng.normal(10.0, 2.0, size=n)
    frame = pd.DataFrame(data)
    frame["frequency"] = frame["frequency"].round().clip(lower=1)
    for score in ("r_score", "f_score", "m_score"):
        frame[score] = rng.integers(1, 6, size=n)
    # RFM names partly follow the groups, so each cluster has a mix.
    rfm = np.where(rng.random(n) < 0.7, group, rng.integers(0, 4, size=n))
    frame["rfm_segment"] = np.asarray(RFM_NAMES)[rfm]
    return frame


def _feature_transforms(features: pd.DataFrame) -> dict[str, Any]:
    caps = {
        f: {
            "lower": float(features[f].quantile(0.01)),
            "upper": float(features[f].quantile(0.99)),
        }
        for f in MODEL_FEATURES
    }
    return {"model_features": MODEL_FEATURES, "log1p_features": LOG1P_FEATURES, "caps": caps}


def _segments(
    model: Pipeline, model_input: pd.DataFrame, labels: np.ndarray, names: dict[int, str]
) -> pd.DataFrame:
    distances = np.sort(model.transform(model_input[MODEL_FEATURES]), axis=1)
    return pd.DataFrame(
        {
            "customer_id": model_input["customer_id"],
            "cluster": labels.astype(int),
            "segment": [names[c] for c in labels],
            "distance_to_centroid": distances[:, 0],
            "margin": distances[:, 1] - distances[:, 0],
        }
    )


def _centroids(model: Pipeline, transforms: dict[str, Any], names: dict[int, str]) -> pd.DataFrame:
    kmeans, scaler = model.named_steps["kmeans"], model.named_steps["scaler"]
    standardized = pd.DataFrame(kmeans.cluster_centers_, columns=MODEL_FEATURES)
    model_units = pd.DataFrame(scaler.inverse_transform(standardized), columns=MODEL_FEATURES)
    original = invert_feature_transforms(model_units, transforms)
    frames = []
    for units, values in (("original", original), ("standardized", standardized)):
        meta = pd.DataFrame(
            {
                "cluster": range(len(values)),
                "segment": [names[c] for c in range(len(values))],
                "units": units,
            }
        )
        frames.append(pd.concat([meta, values], axis=1))
    return pd.concat(frames, ignore_index=True)


def _k_grid(scaled: np.ndarray) -> pd.DataFrame:
    rows = []
    for k in range(2, 7):
        labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit(scaled)
        rows.append(
            {
                "k": k,
                "inertia": labels.inertia_,
                "silhouette": silhouette_score(scaled, labels.labels_),
                "calinski_harabasz": calinski_harabasz_score(scaled, labels.labels_),
                "davies_bouldin": davies_bouldin_score(scaled, labels.labels_),
                "is_knee": k == 4,
            }
        )
    return pd.DataFrame(rows)


def _optuna_trials(rng: np.random.Generator) -> pd.DataFrame:
    n = 24
    scaler = rng.choice(["standard", "robust", "minmax"], size=n)
    k = rng.integers(2, 7, size=n)
    silhouette = np.clip(0.6 - 0.08 * np.abs(k - 4) + rng.normal(0, 0.03, size=n), -1, 1)
    state = np.where(np.arange(n) % 11 == 5, "PRUNED", "COMPLETE")
    state[3] = "FAIL"
    return pd.DataFrame(
        {
            "number": np.arange(n),
            "scaler": scaler,
            "k": k,
            "silhouette": np.where(state == "FAIL", np.nan, silhouette),
            "calinski_harabasz": rng.uniform(100, 400, size=n),
            "davies_bouldin": rng.uniform(0.4, 1.2, size=n),
            "min_cluster_share": rng.uniform(0.05, 0.3, size=n),
            "duration_s": rng.uniform(0.1, 2.0, size=n),
            "state": state,
            "feasible": rng.random(n) > 0.2,
        }
    )


#: The candidates fixture, per K of the standard scaler: silhouette below the chosen K's,
#: re-fit stability (None: not measured) and verdict, in model_selection's wording.
RUNNER_UP_K = 3
RUNNER_UP_WHY = "equally good, but K=3 < K=4 merges segments"
CANDIDATES = {
    2: (0.02, 0.95, "equally good, but K=2 < K=4 merges segments"),
    3: (0.01, 0.90, f"runner-up: {RUNNER_UP_WHY}"),
    4: (0.0, 0.97, "chosen"),
    5: (0.08, None, "silhouette clearly below the best"),
    6: (0.11, None, "silhouette clearly below the best"),
}


def _selection_candidates(grid: pd.DataFrame, best: dict[str, Any]) -> pd.DataFrame:
    """A small ``selection_candidates`` table: standard represents every K, K=4 is chosen.

    Calinski-Harabasz, Davies-Bouldin, inertia and the knee come from the K grid; K=4 carries
    ``best``'s scores. Robust at K=4 is a row that does not represent its K, minmax at K=6 an
    infeasible one.
    """
    rows = []
    for record in grid.to_dict(orient="records"):
        k = int(record["k"])
        below, stability, verdict = CANDIDATES[k]
        chosen = k == best["k"]
        rows.append(
            {
                "scaler": "standard",
                "k": k,
                "silhouette": best["silhouette"] - below,
                "silhouette_std": 0.004 + 0.001 * k,
                "calinski_harabasz": record["calinski_harabasz"],
                "davies_bouldin": record["davies_bouldin"],
                "min_cluster_share": best["min_cluster_share"] if chosen else 0.3 - 0.04 * k,
                "inertia": record["inertia"],
                "feasible": True,
                "is_knee": bool(record["is_knee"]),
                "best_at_k": True,
                "within_tolerance": stability is not None,
                "stability": np.nan if stability is None else stability,
                "stability_std": np.nan if stability is None else 0.01,
                "stable": stability is not None,
                "trial_number": k,
                "verdict": verdict,
            }
        )
    base = rows[best["k"] - 2]
    rows.append(
        {
            **base,
            "scaler": "robust",
            "silhouette": base["silhouette"] - 0.1,
            "best_at_k": False,
            "within_tolerance": False,
            "stability": np.nan,
            "stability_std": np.nan,
            "stable": False,
            "trial_number": 10,
            "verdict": f"another scaler represents K={best['k']}",
        }
    )
    rows.append(
        {
            **rows[4],
            "scaler": "minmax",
            "min_cluster_share": 0.01,
            "feasible": False,
            "best_at_k": False,
            "trial_number": 11,
            "verdict": "smallest segment 1.0% < min_segment_share 3%",
        }
    )
    frame = pd.DataFrame(rows).sort_values(["k", "silhouette"], ascending=[True, False])
    return frame.reset_index(drop=True)


def _describe(candidates: pd.DataFrame, k: int) -> dict[str, Any]:
    row = candidates[(candidates["k"] == k) & candidates["best_at_k"]].iloc[0]
    names = ("silhouette", "silhouette_std", "calinski_harabasz", "davies_bouldin")
    return {
        "scaler": row["scaler"],
        "k": k,
        **{name: float(row[name]) for name in names},
        "min_cluster_share": float(row["min_cluster_share"]),
        "stability": float(row["stability"]),
    }


def build_inputs() -> dict[str, Any]:
    """All 15 inputs of the reporting pipeline, keyed by dataset name."""
    rng = np.random.default_rng(SEED)
    features = _customer_features(rng)
    transforms = _feature_transforms(features)
    model_input = pd.concat(
        [features[["customer_id"]], apply_feature_transforms(features, transforms)], axis=1
    )
    model = Pipeline(
        [("scaler", StandardScaler()), ("kmeans", KMeans(n_clusters=4, n_init=10, random_state=0))]
    ).fit(model_input[MODEL_FEATURES])
    labels = model.named_steps["kmeans"].labels_
    # Name each cluster after the planted group most of its customers come from.
    group = np.repeat(np.arange(4), N_PER_GROUP)
    names = {c: SEGMENT_NAMES[np.bincount(group[labels == c]).argmax()] for c in range(4)}
    segments = _segments(model, model_input, labels, names)
    scaled = model.named_steps["scaler"].transform(model_input[MODEL_FEATURES])
    sizes = segments["cluster"].value_counts()
    best_params = {
        "scaler": "standard",
        "k": 4,
        "silhouette": float(silhouette_score(scaled, labels)),
        "calinski_harabasz": float(calinski_harabasz_score(scaled, labels)),
        "davies_bouldin": float(davies_bouldin_score(scaled, labels)),
        "min_cluster_share": float(sizes.min() / sizes.sum()),
        "silhouette_std": 0.008,
        "stability": 0.97,
        "trial_number": 4,
        "policy": "largest_stable_k",
        "forced_k": None,
        "study_name": "customer_segmentation-0123456789abcdef",
        "n_candidates": 7,
        "n_feasible_candidates": 6,
        "min_segment_share": 0.03,
        "scoring_space": "standardized",
        "features": MODEL_FEATURES,
        "n_customers": len(features),
        "search_sample_size": len(features),
        "silhouette_sample_size": 200,
        "silhouette_samples": 5,
    }
    k_grid = _k_grid(scaled)
    candidates = _selection_candidates(k_grid, best_params)
    runner_up = _describe(candidates, RUNNER_UP_K)
    best_params["runner_up"] = {**runner_up, "why_not": RUNNER_UP_WHY}
    best_params["reason"] = (
        f"K=4 (standard): silhouette {best_params['silhouette']:.3f} ± 0.008, re-fits agree "
        "0.97. Rule: policy largest_stable_k: the largest K whose silhouette cannot be told "
        f"apart from the best ({best_params['silhouette']:.3f} at K=4; within 5% or the "
        "spreads) and whose re-fits agree >= 0.8. Runner-up K=3 (standard, "
        f"silhouette {runner_up['silhouette']:.3f}): {RUNNER_UP_WHY}."
    )
    stability = pd.DataFrame(
        {
            "cluster": range(4),
            "segment": [names[c] for c in range(4)],
            "jaccard_mean": [0.95, 0.9, 0.55, 0.88],
            "unstable": [False, False, True, False],
        }
    )
    actions = pd.DataFrame(
        {
            "cluster": range(4),
            "segment": [names[c] for c in range(4)],
            "goal": [f"Goal for {names[c]}" for c in range(4)],
            "actions": [f"First action {c}; Second action {c}" for c in range(4)],
            "n_customers": [int(sizes[c]) for c in range(4)],
            "share": [float(sizes[c] / sizes.sum()) for c in range(4)],
        }
    )
    return {
        "customer_features": features,
        "model_input": model_input,
        "feature_transforms": transforms,
        "data_quality_summary": {
            "dataset": "raw_transactions",
            "raw_lines": 10_000,
            "clean_lines": 9_400,
            "rejected_lines": 600,
            "rejected_by_reason": {"missing_customer_id": 450, "zero_price": 150},
            "return_lines": 300,
            "customers": len(features),
            "first_invoice": "2024-01-01",
            "last_invoice": "2024-12-31",
        },
        "k_grid_scores": k_grid,
        "selection_candidates": candidates,
        "optuna_trials": _optuna_trials(rng),
        "best_params": best_params,
        "clustering_model": model,
        "customer_segments": segments,
        "segment_centroids": _centroids(model, transforms, names),
        "segment_stability": stability,
        "stability_summary": {
            "mean_ari": 0.87,
            "std_ari": 0.05,
            "n_bootstrap": 20,
            "unstable_segments": [names[2]],
        },
        "segment_actions": actions,
        **_last_run_comparison(names),
        **_customer_value(segments),
        **_campaigns(segments),
        **_churn(segments),
        **_experiments(),
    }


def _experiments() -> dict[str, Any]:
    """Two experiments compared, as ``experiments`` writes them (the baseline chosen)."""
    comparison = pd.DataFrame(
        {
            "experiment": ["baseline", "gaussian_mixture"],
            "chosen": [True, False],
            "description": ["The run's own settings", "Gaussian mixture <b>wide</b>"],
            "algorithm": ["kmeans", "gaussian_mixture"],
            "n_features": [9, 9],
            "features": ["recency, frequency", "recency, frequency"],
            "scaler": ["standard", "robust"],
            "k": [4, 3],
            "silhouette": [0.42, 0.38],
            "silhouette_std": [0.004, 0.006],
            "stability": [0.93, np.nan],
            "min_cluster_share": [0.1, 0.2],
            "calinski_harabasz": [900.0, 700.0],
            "davies_bouldin": [0.9, 1.1],
            "agreement_with_chosen": [1.0, 0.61],
            "same_features_as_chosen": [True, True],
            "search_seconds": [3.2, 9.5],
        }
    )
    agreement = pd.DataFrame(
        {"experiment": ["baseline", "gaussian_mixture"], "baseline": [1.0, 0.61]}
    ).assign(gaussian_mixture=[0.61, 1.0])
    return {"experiment_comparison": comparison, "experiment_agreement": agreement}


def _last_run_comparison(names: dict[int, str]) -> dict[str, Any]:
    """What ``monitoring`` writes when 12 of 120 returning customers changed segment."""
    segments = [names[c] for c in range(4)]
    migration = pd.DataFrame(
        {
            "segment_before": [segments[0], segments[0], segments[1], segments[2], segments[3]],
            "segment_now": [segments[0], segments[1], segments[1], segments[2], segments[3]],
            "customers": [18, 12, 30, 30, 30],
            "share_of_before": [0.6, 0.4, 1.0, 1.0, 1.0],
        }
    )
    changes = pd.DataFrame(
        {
            "segment": segments,
            "customers_before": [30, 30, 30, 30],
            "customers_now": [18, 42, 30, 30],
            "share_before": [0.25, 0.25, 0.25, 0.25],
            "share_now": [0.15, 0.35, 0.25, 0.25],
            "share_change": [-0.1, 0.1, 0.0, 0.0],
            "stayed": [18, 30, 30, 30],
            "joined": [0, 12, 0, 0],
            "left": [12, 0, 0, 0],
        }
    )
    drift = pd.DataFrame(
        {
            "feature": ["recency", "monetary"],
            "psi": [0.02, 0.4],
            "psi_p_value": [0.5, 1e-9],
            "ks_statistic": [0.03, 0.2],
            "ks_p_value": [0.4, 1e-8],
            "reference_median": [40.0, 300.0],
            "current_median": [41.0, 520.0],
            "verdict": ["stable", "shift"],
        }
    )
    summary = {
        "returning_customers": 120,
        "moved_customers": 12,
        "moved_share": 0.1,
        "new_customers": 0,
        "lost_customers": 0,
        "shifted_features": ["monetary"],
        "watched_features": [],
        "recommendation": "re-fit",
        "reasons": ["the customers shifted on monetary"],
    }
    return {
        "segment_migration": migration,
        "segment_changes": changes,
        "feature_drift": drift,
        "monitoring_summary": summary,
    }


def _campaigns(segments: pd.DataFrame) -> dict[str, Any]:
    """campaigns' lift table: one campaign, one row per segment (values made up)."""
    names = sorted(segments["segment"].unique())
    n = len(names)
    lift = pd.DataFrame(
        {
            "campaign": "spring_email",
            "segment": names,
            "variant": "treatment",
            "customers": 300,
            "conversions": 60,
            "conversion_rate": 0.2,
            "control_customers": 300,
            "control_conversions": 45,
            "control_conversion_rate": 0.15,
            "lift": 0.05,
            "lift_ci_low": -0.01,
            "lift_ci_high": 0.11,
            "relative_lift": 1 / 3,
            "relative_lift_ci_low": -0.05,
            "relative_lift_ci_high": 0.8,
            "p_value": 0.1,
            "p_value_adjusted": min(0.1 * n, 1.0),
            "significant": False,
            "needed_per_arm_observed": 1100.0,
            "needed_per_arm_minimum_lift": 1100.0,
            "verdict": "no detectable lift",
        }
    )
    return {"campaign_lift": lift}


def _churn(segments: pd.DataFrame) -> dict[str, Any]:
    """churn_propensity's outputs the report reads (values made up, shapes as written)."""
    scored = segments[["customer_id", "segment"]].copy()
    scored["churn_probability"] = (np.arange(len(scored)) % 10 + 0.5) / 10
    scored["monetary"] = 100.0
    summary = scored.groupby("segment", as_index=False).agg(
        customers=("customer_id", "size"),
        mean_probability=("churn_probability", "mean"),
        expected_churners=("churn_probability", "sum"),
    )
    targets = scored.sort_values(["segment", "churn_probability"], ascending=[True, False])
    targets = targets.groupby("segment").head(3).copy()
    targets["rank"] = targets.groupby("segment").cumcount() + 1
    calibration = pd.DataFrame(
        {
            "bin": ["0.00-0.50", "0.50-1.00"],
            "customers": [len(scored) // 2, len(scored) - len(scored) // 2],
            "mean_predicted": [0.25, 0.75],
            "observed_rate": [0.2, 0.8],
        }
    )
    metrics = {
        "horizon_days": 90,
        "cutoff": "2024-10-02",
        "end": "2024-12-31",
        "customers": len(scored),
        "churn_rate": 0.4,
        "n_splits": 5,
        "roc_auc_folds": [0.8, 0.82, 0.84, 0.86, 0.88],
        "roc_auc_mean": 0.84,
        "roc_auc_std": 0.028,
        "brier_score": 0.15,
        "brier_score_base_rate": 0.24,
        "calibration": "none",
    }
    return {
        "churn_segments": summary,
        "churn_metrics": metrics,
        "churn_calibration": calibration,
        "churn_targets": targets[["segment", "rank", "customer_id", "churn_probability"]],
    }


def _customer_value(segments: pd.DataFrame) -> dict[str, Any]:
    """customer_value's outputs for these customers (values made up, shapes as written)."""
    value = segments[["customer_id", "segment"]].copy()
    position = np.arange(len(value))
    value["probability_alive"] = (position % 10 + 0.5) / 10
    value["clv"] = 50.0 + position % 7 * 20
    summary = (
        value.groupby("segment", as_index=False)
        .agg(
            customers=("customer_id", "size"),
            total_clv=("clv", "sum"),
            mean_clv=("clv", "mean"),
            median_clv=("clv", "median"),
            mean_probability_alive=("probability_alive", "mean"),
        )
        .assign(expected_purchases=lambda t: t["customers"] * 1.5)
    )
    summary["clv_share"] = summary["total_clv"] / summary["total_clv"].sum()
    validation = pd.DataFrame(
        {
            "segment": ["All customers", *summary["segment"]],
            "customers": [summary["customers"].sum(), *summary["customers"]],
            "predicted_purchases": 12.0,
            "actual_purchases": 10,
            "relative_error": 0.2,
        }
    )
    model = {
        "time_unit": "D",
        "horizon_months": 12,
        "monthly_discount_rate": 0.01,
        "customers": len(value),
        "bg_nbd": {"r": 0.24, "alpha": 30.9, "a": 0.79, "b": 2.43},
        "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
        "calibration": {"holdout_days": 180},
    }
    return {
        "customer_value": value,
        "customer_value_segments": summary,
        "customer_value_validation": validation,
        "customer_value_model": model,
    }


#: Small samples and a low dpi for speed, merged into the shipped ``reporting`` parameters.
FAST = {"pca_sample_size": 120, "silhouette_sample_size": 150, "style": {"dpi": 40}}


def profiling_without(params: ReportingParams, *dropped: str) -> ReportingParams:
    """``params`` with ``dropped`` left out of the profile features (as a customer table)."""
    kept = [feature for feature in params.profile_features if feature not in dropped]
    return reporting_params({"profile_features": kept})


def reporting_params(overrides: dict[str, Any] | None = None) -> ReportingParams:
    """The shipped ``reporting`` parameters with :data:`FAST` and ``overrides`` merged in."""
    return typed_parameters("reporting", merged(FAST, overrides or {}))


@pytest.fixture(scope="session")
def _cached_inputs() -> dict[str, Any]:
    return build_inputs()


@pytest.fixture
def inputs(_cached_inputs: dict[str, Any]) -> dict[str, Any]:
    """A fresh deep copy per test, so tests may modify their inputs."""
    return copy.deepcopy(_cached_inputs)


@pytest.fixture
def params() -> ReportingParams:
    return reporting_params()
