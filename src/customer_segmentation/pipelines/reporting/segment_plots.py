"""Pure plotting functions of the segment figures: silhouette, PCA, centroids, box plots and
shares. Same rules as :mod:`.plots` (object-oriented matplotlib, titles and labelled axes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_samples

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import sample_positions

from .cells import format_spread
from .params import PlotStyle
from .plots import annotate_cells, draw_matrix, panel_grid, set_category_ticks, write_message

#: Red for worse, pale for average, green for better than the average customer.
GOOD_BAD_CMAP = "RdYlGn"


def plot_silhouette(
    values: np.ndarray,
    clusters: np.ndarray,
    segments: pd.DataFrame,
    *,
    sample_size: int,
    seed: int,
    style: PlotStyle,
    space: str = "scaled features",
    selection: tuple[float | None, float | None] | None = None,
) -> Figure:
    """Per-customer silhouette bands by segment on a fixed-seed sample of ``values``.

    ``segments`` is :func:`segment_index` output (cluster, label, position). ``space`` names
    the features ``values`` holds (title and mean line). ``selection`` is the headline
    silhouette from the model selection as (mean, spread); when given it is drawn as a grey
    band (mean ± spread) next to the mean of this sample.
    """
    positions = sample_positions(len(values), sample_size, seed)
    sample, labels = values[positions], clusters[positions]
    fig, axes = style.new_figure(height_scale=1.2)
    ax = axes[0, 0]
    n_labels = len(np.unique(labels))
    if not 2 <= n_labels <= len(labels) - 1:
        write_message(ax, "silhouette needs at least 2 segments and more customers than segments")
    else:
        scores = silhouette_samples(sample, labels)
        bottom, ticks = 0, []
        for segment in segments.itertuples():
            member = np.sort(scores[labels == segment.cluster])
            ax.fill_betweenx(
                np.arange(bottom, bottom + len(member)),
                0,
                member,
                color=style.colour(segment.position),
                alpha=0.85,
            )
            ticks.append(bottom + len(member) / 2)
            bottom += len(member) + max(len(labels) // 100, 2)
        mean = float(scores.mean())
        ax.axvline(
            mean, color="red", linestyle="--", label=f"mean silhouette, {space} = {mean:.3f}"
        )
        _selection_band(ax, selection)
        ax.set_yticks(ticks, labels=segments["label"].tolist())
        ax.invert_yaxis()  # first segment on top, as in the legends of the other plots
        ax.legend(loc="lower right", fontsize=8)
    ax.set_title(
        f"Silhouette per customer on {space} "
        f"(sample of {len(positions):,} of {len(values):,}, seed {seed})"
    )
    ax.set_xlabel("silhouette coefficient (-1 to 1)")
    ax.set_ylabel("customers in the sample, grouped by segment")
    return fig


def _selection_band(ax: Axes, selection: tuple[float | None, float | None] | None) -> None:
    """The headline silhouette of the model selection: mean ± spread as a grey band."""
    mean, spread = selection or (None, None)
    if mean is None or not np.isfinite(mean):
        return
    if spread is None or not np.isfinite(spread):
        ax.axvline(mean, color="0.3", linestyle=":", label=f"model selection: {mean:.3f}")
        return
    # At least a hair wide, so a spread of 0.0003 still shows.
    half = max(float(spread), 0.002)
    ax.axvspan(
        mean - half,
        mean + half,
        color="0.5",
        alpha=0.35,
        label=f"model selection: {mean:.3f} ± {format_spread(spread)}",
    )


def pca_projection(scaled: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Every customer's first two principal components, and the % of variance of each."""
    if scaled.shape[1] < 2:
        raise InputValidationError(
            f"PCA needs at least 2 model features, got {scaled.shape[1]}",
            "keep at least two features in feature_transforms.model_features",
            dataset="feature_transforms",
        )
    pca = PCA(n_components=2, random_state=seed)
    return pca.fit_transform(scaled), pca.explained_variance_ratio_ * 100


def plot_pca_scatter(
    scaled: np.ndarray,
    clusters: np.ndarray,
    segments: pd.DataFrame,
    *,
    sample_size: int,
    seed: int,
    style: PlotStyle,
) -> Figure:
    """2-D PCA of the scaled features, a fixed-seed sample coloured by segment, centroids as X.

    PCA is fitted on all customers; only the drawn points are sampled.
    """
    projected, variance = pca_projection(scaled, seed)
    positions = sample_positions(len(projected), sample_size, seed)
    fig, axes = style.new_figure(height_scale=1.2)
    ax = axes[0, 0]
    for segment in segments.itertuples():
        member = clusters == segment.cluster
        drawn = projected[positions][member[positions]]
        colour = style.colour(segment.position)
        ax.scatter(drawn[:, 0], drawn[:, 1], s=8, alpha=0.6, color=colour, label=segment.label)
        if member.any():
            centre = projected[member].mean(axis=0)
            ax.scatter(
                [centre[0]], [centre[1]], marker="X", s=160, color=colour, edgecolors="black"
            )
    ax.set_title(
        f"Segments in the first two principal components "
        f"(sample of {len(positions):,} of {len(projected):,}; X = segment centre)"
    )
    ax.set_xlabel(f"PC1 score, scaled units ({variance[0]:.1f} % of variance)")
    ax.set_ylabel(f"PC2 score, scaled units ({variance[1]:.1f} % of variance)")
    # Outside the axes: never hides points, and no costly "best" placement over many points.
    ax.legend(
        title="segment", markerscale=2, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1)
    )
    return fig


def plot_centroid_heatmap(
    centroids: pd.DataFrame,
    features: Sequence[str],
    labels: Sequence[str],
    *,
    better: Mapping[str, int],
    feature_names: Sequence[str],
    style: PlotStyle,
) -> Figure:
    """Standardized centroids, segments as rows and model features as columns.

    Each cell shows how many standard deviations the segment sits from the average customer;
    its colour says whether that is better (green) or worse (red) for the business:
    ``better[feature]`` is +1 when higher is better, -1 when lower is, 0 (uncoloured) when
    neither.
    """
    values = centroids[list(features)].to_numpy(dtype="float64")
    signs = np.array([better.get(feature, 0) for feature in features], dtype="float64")
    goodness = values * signs
    limit = max(float(np.nanmax(np.abs(values))) if values.size else 1.0, 1e-9)
    fig, axes = style.new_figure(height_scale=max(len(labels) / 6, 0.8))
    ax = axes[0, 0]
    image = ax.imshow(goodness, cmap=GOOD_BAD_CMAP, vmin=-limit, vmax=limit, aspect="auto")
    annotate_cells(ax, image, values, "+.2f")
    ax.set_xticks(range(len(features)), labels=list(feature_names), rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels=list(labels))
    ax.set_xlabel("model feature")
    ax.set_ylabel("segment")
    fig.colorbar(image, ax=ax).set_label("worse (red) or better (green) than average, in SD")
    ax.set_title(
        "Segment centroids against the average customer\n"
        "(number: SD above + or below -; colour: better or worse for the business)"
    )
    return fig


def plot_feature_boxplots(
    merged: pd.DataFrame,
    features: Sequence[str],
    segments: pd.DataFrame,
    axis_labels: Mapping[str, str],
    *,
    show_outliers: bool,
    style: PlotStyle,
) -> Figure:
    """Box plot of each raw feature by segment (``merged`` has the feature and ``cluster``)."""
    fig, axes = panel_grid(style, len(features))
    for ax, feature in zip(axes, features, strict=True):
        groups = [
            merged.loc[merged["cluster"] == s.cluster, feature].dropna().to_numpy(dtype="float64")
            for s in segments.itertuples()
        ]
        boxes = ax.boxplot(
            groups,
            showfliers=show_outliers,
            patch_artist=True,
            medianprops={"color": "black"},
        )
        for patch, position in zip(boxes["boxes"], segments["position"], strict=True):
            patch.set_facecolor(style.colour(position))
        set_category_ticks(ax, range(1, len(groups) + 1), segments["label"].tolist())
        ax.set_title(feature)
        ax.set_xlabel("segment")
        ax.set_ylabel(axis_labels[feature])
    outliers = "shown" if show_outliers else "hidden"
    fig.suptitle(f"Features by segment, original units (whiskers 1.5 IQR, outliers {outliers})")
    return fig


def plot_segment_shares(
    profiles: pd.DataFrame, labels: Sequence[str], *, style: PlotStyle
) -> Figure:
    """Customers per segment (count and share), and share of customers vs share of revenue.

    Without revenue (a customer table) one panel: the share of customers is the same picture
    as the count, so it is written on the bars instead of drawn twice.
    """
    has_revenue = "revenue_share" in profiles
    fig, axes = style.new_figure(1, 2 if has_revenue else 1)
    count_ax = axes[0, 0]
    positions = np.arange(len(labels))
    colours = [style.colour(i) for i in range(len(labels))]
    bars = count_ax.bar(positions, profiles["customers"], color=colours)
    count_labels = [
        f"{count:,.0f}" if has_revenue else f"{count:,.0f} ({share:.1%})"
        for count, share in zip(profiles["customers"], profiles["customer_share"], strict=True)
    ]
    count_ax.bar_label(bars, labels=count_labels, fontsize=8)
    count_ax.set_title("Segment size")
    count_ax.set_ylabel("customers (count)")
    set_category_ticks(count_ax, positions, labels)
    count_ax.set_xlabel("segment")
    if not has_revenue:
        fig.suptitle("Segment sizes")
        return fig
    share_ax = axes[0, 1]
    width = 0.4
    share_ax.bar(
        positions - width / 2, profiles["customer_share"] * 100, width=width, color=colours
    )
    share_ax.bar(
        positions + width / 2,
        profiles["revenue_share"] * 100,
        width=width,
        color=colours,
        hatch="//",
        alpha=0.6,
    )
    handles = [
        Patch(facecolor="0.6", label="share of customers"),
        Patch(facecolor="0.8", hatch="//", label="share of revenue"),
    ]
    share_ax.axhline(0, color="0.3", linewidth=0.8)
    share_ax.set_title("Share of customers vs share of revenue")
    share_ax.set_ylabel("share (%)")
    share_ax.legend(handles=handles)
    set_category_ticks(share_ax, positions, labels)
    share_ax.set_xlabel("segment")
    fig.suptitle("Segment sizes and revenue")
    return fig


def plot_segment_migration(shares: pd.DataFrame, *, style: PlotStyle) -> Figure:
    """Where the customers of each segment of the last run are now (share of its customers).

    ``shares`` has the last run's segments as rows and this run's as columns; an empty table
    (the first run) draws a message instead.
    """
    fig, axes = style.new_figure(height_scale=max(len(shares) / 6, 0.8))
    ax = axes[0, 0]
    if shares.empty:
        write_message(ax, "No earlier run to compare with yet")
        ax.set_axis_off()
        return fig
    draw_matrix(
        fig,
        ax,
        shares.to_numpy(dtype="float64"),
        list(shares.index),
        list(shares.columns),
        cmap=style.sequential_cmap,
        limits=(0.0, 1.0),
        fmt=".0%",
        axis_labels=("segment now", "segment last run"),
        colour_label="share of the last run's segment",
    )
    ax.set_title("Where each segment's customers went since the last run")
    return fig
