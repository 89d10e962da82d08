"""Nodes of the reporting pipeline: tables, run summary, Excel workbook and figures.

Figure nodes return ``(Figure, png_base64)``: the Figure goes to a versioned
``matplotlib.MatplotlibDataset`` (which cannot be loaded back), the base64 PNG goes in memory to
:func:`~.report.render_html_report`, which embeds it.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from scipy import stats
from sklearn.pipeline import Pipeline

from customer_segmentation.errors import InputValidationError

from . import plots
from ._common import (
    ReportingParams,
    figure_to_base64,
    join_segments,
    require_columns,
    require_keys,
    segment_index,
)

logger = logging.getLogger(__name__)

RFM_MIX_PREFIX = "rfm_mix_"
EXCEL_MAX_ROWS = 1_048_575  # data rows below the header
EXCEL_SHEETS = ("segment_profiles", "feature_tests", "customer_segments")
ASSIGNMENT_COLUMNS = ["customer_id", "cluster", "segment", "distance_to_centroid", "margin"]
FeaturePlot = tuple[Figure, str]


# --- tables -----------------------------------------------------------------------------------


def build_segment_profiles(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: dict[str, Any]
) -> pd.DataFrame:
    """One row per segment: size, revenue, mean/median of each raw feature, RFM mix.

    Columns: ``cluster, segment, customers, customer_share, [revenue, revenue_share],
    <feature>_mean, <feature>_median ..., rfm_mix_<rfm_segment> ...`` (wide RFM mix: share of
    the segment's customers in each RFM named segment, each row sums to 1). Revenue columns and
    features missing from ``customer_features`` are skipped, so a table without revenue works.
    """
    config = ReportingParams.from_dict(params)
    segments = segment_index(customer_segments)
    merged = join_segments(customer_features, customer_segments, "customer_features")
    features = [f for f in config.profile_features if f in customer_features.columns]
    skipped = sorted(set(config.profile_features) - set(features))
    if skipped:
        logger.info("customer_features has no %s; left out of the segment profiles", skipped)

    profiles = segments[["cluster", "segment"]].set_index("cluster")
    profiles["customers"] = merged.groupby("cluster").size()
    profiles["customer_share"] = profiles["customers"] / profiles["customers"].sum()
    if config.revenue_column in merged.columns:
        revenue = merged[config.revenue_column].astype("float64")
        profiles["revenue"] = revenue.groupby(merged["cluster"]).sum()
        total = profiles["revenue"].sum()
        profiles["revenue_share"] = profiles["revenue"] / total if total != 0 else np.nan
    numeric = merged[features].astype("float64")
    means = numeric.groupby(merged["cluster"]).mean()
    medians = numeric.groupby(merged["cluster"]).median()
    for feature in features:
        profiles[f"{feature}_mean"] = means[feature]
        profiles[f"{feature}_median"] = medians[feature]
    if "rfm_segment" in merged.columns:
        mix = pd.crosstab(merged["cluster"], merged["rfm_segment"].astype(str), normalize="index")
        profiles = profiles.join(mix.add_prefix(RFM_MIX_PREFIX))
    return profiles.reset_index()


def build_overall_profile(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: dict[str, Any]
) -> dict[str, dict[str, float]]:
    """Mean and median of each profiled feature over all segmented customers (original units)."""
    config = ReportingParams.from_dict(params)
    merged = join_segments(customer_features, customer_segments, "customer_features")
    features = [f for f in config.profile_features if f in merged.columns]
    numeric = merged[features].astype("float64")
    return {
        f: {"mean": float(numeric[f].mean()), "median": float(numeric[f].median())}
        for f in features
    }


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
    params: dict[str, Any],
) -> pd.DataFrame:
    """ANOVA, Kruskal-Wallis and eta squared of each model feature across segments.

    Tested on the model input (the values the clustering saw). ``separates`` is true when both
    p-values are below ``significance_level`` divided by the number of features (Bonferroni)
    and eta squared is at least ``min_effect_size``. The segments were built from these
    features, so the tests describe the separation; they do not confirm it. Sorted by eta
    squared, largest first.
    """
    config = ReportingParams.from_dict(params)
    require_keys(feature_transforms, ["model_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
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
    threshold = config.significance_level / len(features)
    rows = []
    for feature in features:
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
            and row["eta_squared"] >= config.min_effect_size
        )
        rows.append(row)
    tests = pd.DataFrame(rows)
    return tests.sort_values("eta_squared", ascending=False, kind="stable").reset_index(drop=True)


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


def build_segment_summary(
    best_params: dict[str, Any],
    stability_summary: dict[str, Any],
    data_quality_summary: dict[str, Any],
    segment_profiles: pd.DataFrame,
    overall_profile: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Headline numbers of the run as plain JSON: model, stability, data quality, segments.

    ``overall_profile`` (mean and median per feature over all customers) is kept so runs can be
    compared for drift.
    """
    require_keys(best_params, ["k", "scaler"], "best_params")
    require_keys(stability_summary, ["mean_ari"], "stability_summary")
    require_keys(
        data_quality_summary, ["raw_lines", "clean_lines", "rejected_lines"], "data_quality_summary"
    )
    segment_columns = ["cluster", "segment", "customers", "customer_share", "revenue_share"]
    segments = segment_profiles[[c for c in segment_columns if c in segment_profiles]]
    summary = {
        "k": best_params["k"],
        "scaler": best_params["scaler"],
        "silhouette": best_params.get("silhouette"),
        "calinski_harabasz": best_params.get("calinski_harabasz"),
        "davies_bouldin": best_params.get("davies_bouldin"),
        "min_cluster_share": best_params.get("min_cluster_share"),
        "selection_reason": best_params.get("reason"),
        "stability": {
            key: stability_summary.get(key)
            for key in ("mean_ari", "std_ari", "n_bootstrap", "unstable_segments")
        },
        "data_quality": {
            key: data_quality_summary.get(key)
            for key in (
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
        },
        "customers_segmented": int(segment_profiles["customers"].sum()),
        "n_segments": len(segment_profiles),
        "segments": segments.to_dict(orient="records"),
        "overall_profile": overall_profile,
    }
    if "revenue" in segment_profiles:
        summary["revenue_total"] = float(segment_profiles["revenue"].sum())
    return _json_safe(summary)


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells and headers starting with '=' with a quote so Excel keeps them as text.

    openpyxl stores any string that starts with '=' as a formula; segment and customer names
    come from data, so a crafted name could otherwise run as a formula.
    """

    def clean(value: Any) -> Any:
        return f"'{value}" if isinstance(value, str) and value.startswith("=") else value

    safe = frame.rename(columns=clean)
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(clean)
    return safe


def build_excel_workbook(
    segment_profiles: pd.DataFrame, feature_tests: pd.DataFrame, customer_segments: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Sheets for ``pandas.ExcelDataset``: profiles, feature tests, customer-to-segment map."""
    require_columns(customer_segments, ASSIGNMENT_COLUMNS, "customer_segments")
    assignment = customer_segments[ASSIGNMENT_COLUMNS].sort_values(["cluster", "customer_id"])
    if len(assignment) > EXCEL_MAX_ROWS:
        raise InputValidationError(
            f"has {len(assignment):,} customers, more than an Excel sheet holds",
            "use the customer_segments dataset itself for the full assignment",
            dataset="customer_segments",
        )
    sheets = (segment_profiles, feature_tests, assignment)
    return {
        name: _excel_safe(sheet.reset_index(drop=True))
        for name, sheet in zip(EXCEL_SHEETS, sheets, strict=True)
    }


# --- figures ----------------------------------------------------------------------------------


def _with_png(fig: Figure) -> FeaturePlot:
    return fig, figure_to_base64(fig)


def _model_features(
    feature_transforms: dict[str, Any], frame: pd.DataFrame, name: str
) -> list[str]:
    require_keys(feature_transforms, ["model_features", "log1p_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
    require_columns(frame, features, name)
    return features


def _model_label(feature: str, transforms: dict[str, Any], config: ReportingParams) -> str:
    if feature in transforms["log1p_features"]:
        return f"signed log1p({config.unit(feature)}), capped"
    return f"{config.unit(feature)}, capped"


def plot_raw_feature_distributions(
    customer_features: pd.DataFrame, feature_transforms: dict[str, Any], params: dict[str, Any]
) -> FeaturePlot:
    """Histograms of the model features in original units, outlier caps dashed."""
    config = ReportingParams.from_dict(params)
    features = _model_features(feature_transforms, customer_features, "customer_features")
    fig = plots.plot_feature_distributions(
        customer_features,
        features,
        {f: config.raw_label(f) for f in features},
        title="Feature distributions before the transform (original units)",
        style=config.style,
        bins=config.histogram_bins,
        caps=feature_transforms.get("caps"),
        log_counts=True,
    )
    return _with_png(fig)


def plot_model_feature_distributions(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: dict[str, Any]
) -> FeaturePlot:
    """Histograms of the model features after caps and signed log1p."""
    config = ReportingParams.from_dict(params)
    features = _model_features(feature_transforms, model_input, "model_input")
    labels = {f: _model_label(f, feature_transforms, config) for f in features}
    fig = plots.plot_feature_distributions(
        model_input,
        features,
        labels,
        title="Feature distributions after the transform (model input)",
        style=config.style,
        bins=config.histogram_bins,
    )
    return _with_png(fig)


def plot_feature_correlation(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: dict[str, Any]
) -> FeaturePlot:
    """Correlation matrix of the model features."""
    config = ReportingParams.from_dict(params)
    features = _model_features(feature_transforms, model_input, "model_input")
    return _with_png(plots.plot_correlation_matrix(model_input, features, style=config.style))


def _k_grid(k_grid_scores: pd.DataFrame) -> pd.DataFrame:
    require_columns(
        k_grid_scores,
        ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "is_knee"],
        "k_grid_scores",
    )
    return k_grid_scores


def plot_elbow_curve(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: dict[str, Any]
) -> FeaturePlot:
    """Elbow curve with the knee and the selected K."""
    config = ReportingParams.from_dict(params)
    fig = plots.plot_elbow(
        _k_grid(k_grid_scores), selected_k=best_params.get("k"), style=config.style
    )
    return _with_png(fig)


def plot_k_metrics(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: dict[str, Any]
) -> FeaturePlot:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin against K."""
    config = ReportingParams.from_dict(params)
    fig = plots.plot_k_metrics(
        _k_grid(k_grid_scores), selected_k=best_params.get("k"), style=config.style
    )
    return _with_png(fig)


def _trials(optuna_trials: pd.DataFrame, config: ReportingParams) -> pd.DataFrame:
    require_columns(
        optuna_trials,
        ["number", "scaler", "k", "state", "feasible", config.optuna_objective],
        "optuna_trials",
    )
    return optuna_trials


def plot_optuna_history(optuna_trials: pd.DataFrame, params: dict[str, Any]) -> FeaturePlot:
    """Optuna objective per trial with the best-so-far line."""
    config = ReportingParams.from_dict(params)
    fig = plots.plot_optuna_history(
        _trials(optuna_trials, config),
        objective=config.optuna_objective,
        direction=config.optuna_direction,
        style=config.style,
    )
    return _with_png(fig)


def plot_optuna_landscape(optuna_trials: pd.DataFrame, params: dict[str, Any]) -> FeaturePlot:
    """Best objective per scaler x K cell."""
    config = ReportingParams.from_dict(params)
    fig = plots.plot_optuna_landscape(
        _trials(optuna_trials, config),
        objective=config.optuna_objective,
        direction=config.optuna_direction,
        style=config.style,
    )
    return _with_png(fig)


def scaled_model_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Model input passed through every step of the model but the last, and each row's cluster."""
    if not isinstance(segmentation_model, Pipeline) or len(segmentation_model.steps) < 2:
        raise InputValidationError(
            f"is a {type(segmentation_model).__name__}, not a fitted sklearn Pipeline "
            "(scaler, kmeans)",
            "re-run the clustering pipeline",
            dataset="segmentation_model",
        )
    features = _model_features(feature_transforms, model_input, "model_input")
    merged = join_segments(model_input, customer_segments, "model_input")
    scaled = np.asarray(segmentation_model[:-1].transform(merged[features]), dtype="float64")
    return scaled, merged["cluster"].to_numpy()


def plot_silhouette(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: dict[str, Any],
) -> FeaturePlot:
    """Per-customer silhouette of the final model on a fixed-seed sample."""
    config = ReportingParams.from_dict(params)
    scaled, clusters = scaled_model_input(
        model_input, customer_segments, segmentation_model, feature_transforms
    )
    fig = plots.plot_silhouette(
        scaled,
        clusters,
        segment_index(customer_segments),
        sample_size=config.silhouette_sample_size,
        seed=config.random_seed,
        style=config.style,
    )
    return _with_png(fig)


def plot_pca_scatter(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    segmentation_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: dict[str, Any],
) -> FeaturePlot:
    """PCA 2-D scatter coloured by segment."""
    config = ReportingParams.from_dict(params)
    scaled, clusters = scaled_model_input(
        model_input, customer_segments, segmentation_model, feature_transforms
    )
    fig = plots.plot_pca_scatter(
        scaled,
        clusters,
        segment_index(customer_segments),
        sample_size=config.pca_sample_size,
        seed=config.random_seed,
        style=config.style,
    )
    return _with_png(fig)


def plot_centroid_heatmap(
    segment_centroids: pd.DataFrame,
    customer_segments: pd.DataFrame,
    feature_transforms: dict[str, Any],
    params: dict[str, Any],
) -> FeaturePlot:
    """Heatmap of the standardized centroids."""
    config = ReportingParams.from_dict(params)
    require_columns(segment_centroids, ["cluster", "units"], "segment_centroids")
    features = _model_features(feature_transforms, segment_centroids, "segment_centroids")
    segments = segment_index(customer_segments)
    standardized = segment_centroids[segment_centroids["units"] == "standardized"]
    ordered = segments[["cluster", "label"]].merge(standardized, on="cluster", how="inner")
    if len(ordered) != len(segments):
        raise InputValidationError(
            f"has standardized centroids for {len(ordered)} of {len(segments)} segments",
            "re-run clustering so every cluster has a row with units 'standardized'",
            dataset="segment_centroids",
        )
    fig = plots.plot_centroid_heatmap(
        ordered, features, ordered["label"].tolist(), style=config.style
    )
    return _with_png(fig)


def plot_feature_boxplots(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: dict[str, Any]
) -> FeaturePlot:
    """Box plots of the configured raw features by segment."""
    config = ReportingParams.from_dict(params)
    features = [f for f in config.boxplot_features if f in customer_features.columns]
    if not features:
        raise InputValidationError(
            f"none of {list(config.boxplot_features)} is a column of customer_features",
            "list existing raw feature columns",
            parameter="reporting.boxplot_features",
        )
    merged = join_segments(customer_features, customer_segments, "customer_features")
    fig = plots.plot_feature_boxplots(
        merged,
        features,
        segment_index(customer_segments),
        {f: config.raw_label(f) for f in features},
        show_outliers=config.boxplot_show_outliers,
        style=config.style,
    )
    return _with_png(fig)


def plot_segment_shares(segment_profiles: pd.DataFrame, params: dict[str, Any]) -> FeaturePlot:
    """Segment size and share of customers vs revenue."""
    config = ReportingParams.from_dict(params)
    require_columns(
        segment_profiles, ["cluster", "segment", "customers", "customer_share"], "segment_profiles"
    )
    labels = segment_index(segment_profiles, "segment_profiles").set_index("cluster")["label"]
    fig = plots.plot_segment_shares(
        segment_profiles, labels.loc[segment_profiles["cluster"]].tolist(), style=config.style
    )
    return _with_png(fig)
