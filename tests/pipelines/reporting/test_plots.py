"""Every figure node returns a titled, labelled Figure and the same image as base64 PNG."""

from __future__ import annotations

import base64
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from matplotlib.text import Text
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import build_preprocessor, feature_spec, sample_positions
from customer_segmentation.pipelines.reporting import figures, model_space, plots, tables
from customer_segmentation.pipelines.reporting.figures import FIGURE_NAMES as REPORT_FIGURES
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.pipeline import FIGURE_NODES

from .conftest import MODEL_FEATURES, profiling_without, reporting_params

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _call(name: str, inputs: dict[str, Any], params: ReportingParams) -> tuple[Figure, str]:
    func, names = FIGURE_NODES[name]
    available = {
        **inputs,
        "params:reporting": params,
        "segment_profiles": tables.build_segment_profiles(
            inputs["customer_features"], inputs["customer_segments"], params
        ),
    }
    if isinstance(names, dict):
        return func(**{argument: available[n] for argument, n in names.items()})
    return func(*(available[n] for n in names))


def assert_labelled(fig: Figure) -> None:
    """A title (figure or every panel) and x/y labels on every visible panel; labelled colorbars."""
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    panels = [ax for ax in axes if ax.get_label() != "<colorbar>"]
    assert panels
    assert fig.get_suptitle() or all(ax.get_title() for ax in panels)
    for ax in panels:
        assert ax.get_xlabel(), f"no x label on {ax.get_title()!r}"
        assert ax.get_ylabel(), f"no y label on {ax.get_title()!r}"
    for colorbar in (ax for ax in axes if ax.get_label() == "<colorbar>"):
        assert colorbar.get_ylabel() or colorbar.get_xlabel()


def test_figure_nodes_match_report_figures():
    assert set(FIGURE_NODES) == set(REPORT_FIGURES)


@pytest.mark.parametrize("name", REPORT_FIGURES)
def test_figure_node_returns_labelled_figure_and_png(name, inputs, params):
    fig, png = _call(name, inputs, params)
    assert_labelled(fig)
    assert base64.b64decode(png, validate=True).startswith(PNG_MAGIC)


def test_feature_axes_carry_units(inputs, params):
    raw, _ = _call("raw_feature_distributions", inputs, params)
    labels = {ax.get_title(): ax.get_xlabel() for ax in raw.axes if ax.get_visible()}
    assert labels["recency"] == "days since last order (days)"
    assert labels["monetary"] == "net revenue (currency units)"
    model, _ = _call("model_feature_distributions", inputs, params)
    labels = {ax.get_title(): ax.get_xlabel() for ax in model.axes if ax.get_visible()}
    assert labels["monetary"] == "signed log1p(currency units), capped"
    assert labels["recency"] == "days, capped"
    boxes, _ = _call("feature_boxplots", inputs, params)
    assert {ax.get_ylabel() for ax in boxes.axes if ax.get_visible()} >= {
        "days since last order (days)"
    }


def test_pca_scatter_is_sampled_and_shows_explained_variance(inputs, params):
    fig, _ = _call("pca_scatter", inputs, params)
    ax = fig.axes[0]
    # Segment scatters carry the segment name as label; centre markers are unlabelled ("_...").
    points = sum(
        len(c.get_offsets())
        for c in ax.collections
        if isinstance(c, PathCollection) and not c.get_label().startswith("_")
    )
    assert points == params.pca_sample_size
    assert "% of variance" in ax.get_xlabel() and "% of variance" in ax.get_ylabel()
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(legend) == sorted(inputs["customer_segments"]["segment"].unique())


def test_pca_scatter_uses_all_points_below_the_sample_size(inputs):
    params = reporting_params({"pca_sample_size": 10_000})
    fig, _ = _call("pca_scatter", inputs, params)
    assert "sample of 300 of 300" in fig.axes[0].get_title()


def test_silhouette_sample_is_reproducible(inputs, params):
    first_fig, first = _call("silhouette", inputs, params)
    _, second = _call("silhouette", inputs, params)
    assert first == second
    assert f"sample of {params.silhouette_sample_size} of 300" in first_fig.axes[0].get_title()
    other = reporting_params({"random_seed": params.random_seed + 1})
    _, other_seed = _call("silhouette", inputs, other)
    assert other_seed != first


def test_elbow_marks_knee_and_selected_k(inputs, params):
    fig, _ = _call("elbow_curve", inputs, params)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "knee (K=4)" in legend and "selected K=4" in legend


def test_centroid_heatmap_names_segments(inputs, params):
    fig, _ = _call("centroid_heatmap", inputs, params)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    segments = inputs["customer_segments"].drop_duplicates("cluster").sort_values("cluster")
    assert ticks == segments["segment"].tolist()


@pytest.mark.parametrize("name", ["centroid_heatmap", "segment_shares", "silhouette"])
def test_segment_names_with_dollar_signs_are_drawn_as_text(name, inputs, params):
    # "$...$" would be a TeX formula for matplotlib; "$$" even fails to render
    names = {0: "Big spenders ($$)", 1: "Save $5-$10"}
    segments = inputs["customer_segments"]
    segments["segment"] = segments["cluster"].map(names).fillna(segments["segment"])
    fig, png = _call(name, inputs, params)
    assert base64.b64decode(png, validate=True).startswith(PNG_MAGIC)
    shown = " ".join(text.get_text() for text in fig.findobj(Text))
    assert "Save $5-$10" in shown and "Big spenders ($$)" in shown


def test_segment_shares_without_revenue(inputs, params):
    inputs["customer_features"] = inputs["customer_features"].drop(columns=["monetary"])
    fig, _ = _call("segment_shares", inputs, profiling_without(params, "monetary"))
    assert_labelled(fig)
    # one panel: the share of customers is written on the count bars, not drawn twice
    assert [ax.get_title() for ax in fig.axes] == ["Segment size"]
    assert all("%" in text.get_text() for text in fig.axes[0].texts)


def test_optuna_history_best_so_far_is_monotone(inputs, params):
    fig, _ = _call("optuna_history", inputs, params)
    line = next(line for line in fig.axes[0].get_lines() if line.get_label() == "best so far")
    best = line.get_ydata()
    assert all(a <= b for a, b in zip(best, best[1:], strict=False))
    trials = inputs["optuna_trials"]
    feasible = trials[(trials["state"] == "COMPLETE") & trials["feasible"]]
    assert best[-1] == pytest.approx(feasible["silhouette"].max())


def test_figures_are_not_registered_with_pyplot(inputs, params):
    before = plt.get_fignums()
    _call("feature_boxplots", inputs, params)
    assert plt.get_fignums() == before


def test_boxplots_need_an_existing_feature(inputs):
    params = reporting_params({"boxplot_features": ["not_a_column"]})
    with pytest.raises(InputValidationError, match="boxplot_features"):
        _call("feature_boxplots", inputs, params)


def test_silhouette_rejects_a_model_that_is_not_a_pipeline(inputs, params):
    inputs["clustering_model"] = inputs["clustering_model"].named_steps["kmeans"]
    with pytest.raises(InputValidationError, match="clustering_model"):
        _call("silhouette", inputs, params)


def _minmax_model(inputs: dict[str, Any]) -> Pipeline:
    """A model whose own scaled space is not the standardized one."""
    return Pipeline(
        [("scaler", MinMaxScaler()), ("kmeans", KMeans(n_clusters=4, n_init=2, random_state=0))]
    ).fit(inputs["model_input"][MODEL_FEATURES])


def _mean_line(fig: Figure) -> tuple[float, str]:
    line = next(
        line for line in fig.axes[0].get_lines() if line.get_label().startswith("mean silhouette")
    )
    return float(line.get_xdata()[0]), line.get_label()


def test_silhouette_is_scored_on_standardized_features_like_the_selection(inputs, params):
    inputs["clustering_model"] = _minmax_model(inputs)
    fig, _ = _call("silhouette", inputs, params)
    mean, label = _mean_line(fig)

    model_input = inputs["model_input"]  # same customer order as customer_segments
    clusters = inputs["customer_segments"]["cluster"].to_numpy()
    positions = sample_positions(
        len(model_input), params.silhouette_sample_size, params.random_seed
    )
    standardized = StandardScaler().fit_transform(model_input[MODEL_FEATURES])
    expected = silhouette_score(standardized[positions], clusters[positions])
    assert mean == pytest.approx(expected)
    assert label == f"mean silhouette, standardized features = {expected:.3f}"
    minmax = MinMaxScaler().fit_transform(model_input[MODEL_FEATURES])
    assert abs(silhouette_score(minmax[positions], clusters[positions]) - mean) > 1e-3
    assert "on standardized features" in fig.axes[0].get_title()


def test_silhouette_shows_the_headline_figure_of_the_selection(inputs, params):
    fig, _ = _call("silhouette", inputs, params)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    best = inputs["best_params"]
    assert f"model selection: {best['silhouette']:.3f} ± 0.008" in legend
    inputs["best_params"]["silhouette_std"] = 0.000285
    fig, _ = _call("silhouette", inputs, params)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"model selection: {best['silhouette']:.3f} ± 0.0003" in legend
    del inputs["best_params"]["silhouette_std"]
    fig, _ = _call("silhouette", inputs, params)
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert f"model selection: {best['silhouette']:.3f}" in legend


def test_silhouette_follows_a_selection_scored_in_the_scaled_space(inputs, params):
    model = _minmax_model(inputs)
    inputs["clustering_model"] = model
    inputs["best_params"].update(scoring_space="scaled", scaler="minmax")
    fig, _ = _call("silhouette", inputs, params)
    mean, label = _mean_line(fig)
    positions = sample_positions(300, params.silhouette_sample_size, params.random_seed)
    scaled = model[:-1].transform(inputs["model_input"][MODEL_FEATURES])
    clusters = inputs["customer_segments"]["cluster"].to_numpy()
    assert mean == pytest.approx(silhouette_score(scaled[positions], clusters[positions]))
    assert label.startswith("mean silhouette, minmax-scaled features = ")


def test_silhouette_of_a_customer_table_model_standardizes_numeric_features_only(inputs, params):
    model_input = inputs["model_input"].copy()
    numeric = MODEL_FEATURES[:4]
    model_input.loc[::7, numeric[0]] = np.nan  # imputed by the model's own imputer
    model_input["channel"] = pd.Series(np.where(np.arange(300) % 3, "web", "store"))
    model_input.loc[::11, "channel"] = None
    features = [*numeric, "channel"]
    transforms = {
        "model_features": features,
        "log1p_features": [],
        "numeric_features": numeric,
        "categorical_features": ["channel"],
        "imputation": {"numeric": "median", "categorical": "most_frequent"},
        "categorical_weight": 0.5,
    }
    preprocess = build_preprocessor(feature_spec(features, transforms), MinMaxScaler())
    model = Pipeline(
        [("preprocess", preprocess), ("kmeans", KMeans(n_clusters=4, n_init=2, random_state=0))]
    ).fit(model_input[features])
    values, clusters = model_space.standardized_model_input(
        model_input, inputs["customer_segments"], model, transforms
    )
    assert values.shape == (300, len(numeric) + 2) and not np.isnan(values).any()
    np.testing.assert_allclose(values[:, : len(numeric)].mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(values[:, : len(numeric)].std(axis=0), 1.0)
    assert set(np.unique(values[:, len(numeric) :])) == {0.0, 0.5}
    assert (clusters == inputs["customer_segments"]["cluster"].to_numpy()).all()
    fig, png = figures.plot_silhouette(
        model_input, inputs["customer_segments"], model, transforms, params
    )
    assert_labelled(fig)
    assert base64.b64decode(png, validate=True).startswith(PNG_MAGIC)
    assert _mean_line(fig)[1].startswith("mean silhouette, standardized features = ")


def test_a_fixed_k_landscape_shows_each_scaler_as_a_bar(inputs, params):
    trials = inputs["optuna_trials"]
    one_k = trials[trials["k"] == trials["k"].iloc[0]]
    fig = plots.plot_optuna_landscape(
        one_k, objective="silhouette", direction="maximize", style=params.style
    )
    ax = fig.axes[0]
    assert "K fixed" in ax.get_title()
    assert len(ax.patches) == one_k.loc[one_k["feasible"].astype(bool), "scaler"].nunique()
