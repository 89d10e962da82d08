"""Figure nodes of the reporting pipeline: checked inputs in, ``(Figure, png_base64)`` out.

The Figure goes to a versioned ``matplotlib.MatplotlibDataset`` ``<name>_plot`` (which cannot
be loaded back), the base64 PNG ``<name>_png`` goes in memory to
:func:`~.report.render_html_report`, which embeds it. :data:`FIGURES` is the one list of
figures: the pipeline makes a node of each, the report embeds each.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.text import Text
from sklearn.pipeline import Pipeline

from customer_segmentation.datasets import remember_png
from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import is_numeric_column

from . import experiments, plots, segment_plots
from .customer_value import plot_probability_alive as draw_probability_alive
from .model_space import STANDARDIZED, scaled_model_input, standardized_model_input
from .params import ReportingParams
from .segments import join_segments, require_columns, require_keys, segment_index

FeaturePlot = tuple[Figure, str]


def _with_png(fig: Figure) -> FeaturePlot:
    """The figure, its text taken literally, and its PNG for the HTML report."""
    for text in fig.findobj(Text):
        # a segment name such as "Save $5-$10" is text, not a TeX formula
        text.set_parse_math(False)
    return fig, figure_to_base64(fig)


def _numeric_model_features(
    feature_transforms: dict[str, Any], frame: pd.DataFrame, name: str
) -> list[str]:
    """The numeric model features (all of them on the transaction path), in model order.

    Histograms, correlations and the centroid heatmap show these; categorical features
    (customer table) are profiled by category shares instead.
    """
    require_keys(feature_transforms, ["model_features", "log1p_features"], "feature_transforms")
    categorical = set(feature_transforms.get("categorical_features") or [])
    features = [f for f in feature_transforms["model_features"] if f not in categorical]
    require_columns(frame, features, name)
    return features


def _model_label(feature: str, transforms: dict[str, Any], params: ReportingParams) -> str:
    if feature in transforms["log1p_features"]:
        return f"signed log1p({params.unit(feature)}), capped"
    return f"{params.unit(feature)}, capped"


def plot_raw_feature_distributions(
    customer_features: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Histograms of the numeric model features in original units, outlier caps dashed."""
    features = _numeric_model_features(feature_transforms, customer_features, "customer_features")
    fig = plots.plot_feature_distributions(
        customer_features,
        features,
        {f: params.raw_label(f) for f in features},
        title="Feature distributions before the transform (original units)",
        style=params.style,
        bins=params.histogram_bins,
        caps=feature_transforms.get("caps"),
        log_counts=True,
    )
    return _with_png(fig)


def plot_model_feature_distributions(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Histograms of the numeric model features after caps and signed log1p."""
    features = _numeric_model_features(feature_transforms, model_input, "model_input")
    labels = {f: _model_label(f, feature_transforms, params) for f in features}
    fig = plots.plot_feature_distributions(
        model_input,
        features,
        labels,
        title="Feature distributions after the transform (model input)",
        style=params.style,
        bins=params.histogram_bins,
    )
    return _with_png(fig)


def plot_feature_correlation(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Correlation matrix of the numeric model features."""
    features = _numeric_model_features(feature_transforms, model_input, "model_input")
    return _with_png(plots.plot_correlation_matrix(model_input, features, style=params.style))


def checked_k_grid(k_grid_scores: pd.DataFrame) -> pd.DataFrame:
    require_columns(
        k_grid_scores,
        ["k", "inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "is_knee"],
        "k_grid_scores",
    )
    return k_grid_scores


def plot_elbow_curve(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Elbow curve with the knee and the selected K."""
    fig = plots.plot_elbow(
        checked_k_grid(k_grid_scores), selected_k=best_params.get("k"), style=params.style
    )
    return _with_png(fig)


def plot_k_metrics(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: ReportingParams
) -> FeaturePlot:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin against K."""
    fig = plots.plot_k_metrics(
        checked_k_grid(k_grid_scores), selected_k=best_params.get("k"), style=params.style
    )
    return _with_png(fig)


def _trials(optuna_trials: pd.DataFrame, params: ReportingParams) -> pd.DataFrame:
    require_columns(
        optuna_trials,
        ["number", "scaler", "k", "state", "feasible", params.optuna_objective],
        "optuna_trials",
    )
    return optuna_trials


def plot_optuna_history(optuna_trials: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Optuna objective per trial with the best-so-far line."""
    fig = plots.plot_optuna_history(
        _trials(optuna_trials, params),
        objective=params.optuna_objective,
        direction=params.optuna_direction,
        style=params.style,
    )
    return _with_png(fig)


def plot_optuna_landscape(optuna_trials: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Best objective per scaler x K cell."""
    fig = plots.plot_optuna_landscape(
        _trials(optuna_trials, params),
        objective=params.optuna_objective,
        direction=params.optuna_direction,
        style=params.style,
    )
    return _with_png(fig)


def plot_silhouette(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
    *,
    best_params: dict[str, Any] | None = None,
) -> FeaturePlot:
    """Per-customer silhouette of the final segments on a fixed-seed sample.

    Computed where the selection scored the candidates (``best_params["scoring_space"]``,
    standardized features unless it says ``scaled``), so the mean line and the headline
    silhouette measure the same thing; the headline (mean ± spread over the selection's
    samples) is drawn as a band for comparison.
    """
    best_params = best_params or {}
    if best_params.get("scoring_space", STANDARDIZED) == STANDARDIZED:
        space, to_space = "standardized features", standardized_model_input
    else:
        space = f"{best_params.get('scaler', 'model')}-scaled features"
        to_space = scaled_model_input
    values, clusters = to_space(
        model_input, customer_segments, clustering_model, feature_transforms
    )
    return _customer_figure(
        segment_plots.plot_silhouette,
        values,
        clusters,
        customer_segments,
        params,
        sample_size=params.silhouette_sample_size,
        space=space,
        selection=(best_params.get("silhouette"), best_params.get("silhouette_std")),
    )


def plot_pca_scatter(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> FeaturePlot:
    """PCA 2-D scatter coloured by segment."""
    values, clusters = scaled_model_input(
        model_input, customer_segments, clustering_model, feature_transforms
    )
    return _customer_figure(
        segment_plots.plot_pca_scatter,
        values,
        clusters,
        customer_segments,
        params,
        sample_size=params.pca_sample_size,
    )


def _customer_figure(
    draw: Callable[..., Figure],
    values: np.ndarray,
    clusters: np.ndarray,
    customer_segments: pd.DataFrame,
    params: ReportingParams,
    **options: Any,
) -> FeaturePlot:
    """A figure of customers in model space, coloured by segment, on a fixed-seed sample."""
    fig = draw(
        values,
        clusters,
        segment_index(customer_segments),
        seed=params.random_seed,
        style=params.style,
        **options,
    )
    return _with_png(fig)


def plot_centroid_heatmap(
    segment_centroids: pd.DataFrame,
    customer_segments: pd.DataFrame,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> FeaturePlot:
    """Heatmap of the standardized centroids of the numeric model features."""
    require_columns(segment_centroids, ["cluster", "units"], "segment_centroids")
    features = _numeric_model_features(feature_transforms, segment_centroids, "segment_centroids")
    segments = segment_index(customer_segments)
    standardized = segment_centroids[segment_centroids["units"] == "standardized"]
    ordered = segments[["cluster", "label"]].merge(standardized, on="cluster", how="inner")
    if len(ordered) != len(segments):
        raise InputValidationError(
            f"has standardized centroids for {len(ordered)} of {len(segments)} segments",
            "re-run clustering so every cluster has a row with units 'standardized'",
            dataset="segment_centroids",
        )
    better = {feature: 1 if way == "higher" else -1 for feature, way in params.better_when.items()}
    fig = segment_plots.plot_centroid_heatmap(
        ordered,
        features,
        ordered["label"].tolist(),
        better=better,
        feature_names=[params.label(feature) for feature in features],
        style=params.style,
    )
    return _with_png(fig)


def plot_feature_boxplots(
    customer_features: pd.DataFrame, customer_segments: pd.DataFrame, params: ReportingParams
) -> FeaturePlot:
    """Box plots of the configured raw numeric features by segment."""
    features = [
        f
        for f in params.boxplot_features
        if f in customer_features.columns and is_numeric_column(customer_features[f])
    ]
    if not features:
        raise InputValidationError(
            f"none of {list(params.boxplot_features)} is a numeric column of customer_features",
            "list existing numeric raw feature columns",
            parameter="reporting.boxplot_features",
        )
    merged = join_segments(customer_features, customer_segments, "customer_features")
    fig = segment_plots.plot_feature_boxplots(
        merged,
        features,
        segment_index(customer_segments),
        {f: params.raw_label(f) for f in features},
        show_outliers=params.boxplot_show_outliers,
        style=params.style,
    )
    return _with_png(fig)


def plot_segment_shares(segment_profiles: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """Segment size and share of customers vs revenue."""
    require_columns(
        segment_profiles, ["cluster", "segment", "customers", "customer_share"], "segment_profiles"
    )
    labels = segment_index(segment_profiles, "segment_profiles").set_index("cluster")["label"]
    fig = segment_plots.plot_segment_shares(
        segment_profiles, labels.loc[segment_profiles["cluster"]].tolist(), style=params.style
    )
    return _with_png(fig)


def plot_segment_migration(segment_migration: pd.DataFrame, params: ReportingParams) -> FeaturePlot:
    """The migration matrix of ``monitoring``: last run's segments (rows) to this run's."""
    columns = ["segment_before", "segment_now", "customers", "share_of_before"]
    require_columns(segment_migration, columns, "segment_migration")
    shares = segment_migration.pivot_table(
        index="segment_before", columns="segment_now", values="share_of_before", fill_value=0.0
    )
    return _with_png(segment_plots.plot_segment_migration(shares, style=params.style))


def plot_experiment_comparison(
    experiment_comparison: pd.DataFrame, experiment_agreement: pd.DataFrame, params: ReportingParams
) -> FeaturePlot:
    """Each experiment's silhouette with its spread, and the agreement of their segments."""
    require_columns(
        experiment_comparison,
        ["experiment", "chosen", "k", "silhouette", "silhouette_std"],
        "experiment_comparison",
    )
    require_columns(experiment_agreement, ["experiment"], "experiment_agreement")
    fig = experiments.plot_experiment_comparison(
        experiment_comparison, experiment_agreement, style=params.style
    )
    return _with_png(fig)


def plot_probability_alive(
    customer_value: pd.DataFrame | None,
    customer_segments: pd.DataFrame,
    params: ReportingParams,
) -> FeaturePlot:
    """Probability alive per segment and mean CLV (``customer_value``; a note without it),
    each segment in its colour of the other figures."""
    segments = segment_index(customer_segments)
    return _with_png(draw_probability_alive(customer_value, segments, style=params.style))


def figure_to_base64(fig: Figure) -> str:
    """PNG of ``fig`` as base64 text, ready for a ``data:image/png;base64,`` URI.

    The PNG is also kept for ``<name>_plot`` (a ``DrawnFigureDataset``), which writes it
    instead of drawing the figure again.
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    remember_png(fig, buffer.getvalue())
    return base64.b64encode(buffer.getvalue()).decode("ascii")


#: Every figure of the report, in report order, and the node that draws it. A figure node's
#: arguments are named after the datasets it reads (``params`` is ``params:reporting``).
FIGURES: dict[str, Callable[..., FeaturePlot]] = {
    "raw_feature_distributions": plot_raw_feature_distributions,
    "model_feature_distributions": plot_model_feature_distributions,
    "feature_correlation": plot_feature_correlation,
    "elbow_curve": plot_elbow_curve,
    "k_metrics": plot_k_metrics,
    "optuna_history": plot_optuna_history,
    "optuna_landscape": plot_optuna_landscape,
    "silhouette": plot_silhouette,
    "pca_scatter": plot_pca_scatter,
    "centroid_heatmap": plot_centroid_heatmap,
    "feature_boxplots": plot_feature_boxplots,
    "segment_shares": plot_segment_shares,
    "segment_migration": plot_segment_migration,
    "experiment_scores": plot_experiment_comparison,
    "probability_alive": plot_probability_alive,
}

#: The figure names, in report order: ``<name>_plot`` and ``<name>_png`` are their datasets.
FIGURE_NAMES: tuple[str, ...] = tuple(FIGURES)
