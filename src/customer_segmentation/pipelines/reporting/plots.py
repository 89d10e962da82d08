"""Pure plotting functions of the reporting pipeline: data in, ``matplotlib`` Figure out.

Plain matplotlib, object-oriented API with an explicit Agg canvas (see
:meth:`PlotStyle.new_figure`): no pyplot state, no GUI backend, safe in threads. Every figure has
a title and axis labels with units.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.patches import Patch, Rectangle
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_samples

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import sample_positions

from .params import PlotStyle

GRID_COLUMNS = 3
METRIC_LABELS = {
    "silhouette": "silhouette coefficient (-1 to 1)",
    "calinski_harabasz": "Calinski-Harabasz index (unitless)",
    "davies_bouldin": "Davies-Bouldin index (unitless)",
}
METRIC_TITLES = {
    "silhouette": "Silhouette (higher is better)",
    "calinski_harabasz": "Calinski-Harabasz (higher is better)",
    "davies_bouldin": "Davies-Bouldin (lower is better)",
}


def _tick_labels(labels: Sequence[str], width: int = 20) -> list[str]:
    """Segment names wrapped onto lines of at most ``width`` characters for category axes."""
    return [textwrap.fill(str(label), width) for label in labels]


def _set_category_ticks(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    ax.set_xticks(
        list(positions),
        labels=_tick_labels(labels),
        rotation=30,
        ha="right",
        rotation_mode="anchor",
        fontsize=8,
    )


def _grid(style: PlotStyle, n_panels: int) -> tuple[Figure, list[Axes]]:
    """A figure with ``n_panels`` axes in rows of three; spare axes are hidden."""
    ncols = min(GRID_COLUMNS, max(n_panels, 1))
    nrows = max(math.ceil(n_panels / ncols), 1)
    fig, axes = style.new_figure(nrows, ncols, height_scale=max(nrows / 2, 0.6))
    flat = list(axes.ravel())
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat[:n_panels]


def _message(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def _mark_selected_k(ax: Axes, selected_k: int | None) -> None:
    if selected_k is not None:
        ax.axvline(
            selected_k, color="0.3", linestyle="--", linewidth=1, label=f"selected K={selected_k}"
        )


def _annotate_cells(ax: Axes, image: AxesImage, values: np.ndarray, fmt: str) -> None:
    """Write each cell's value, white on dark cells and black on light ones."""
    for (row, col), value in np.ndenumerate(values):
        if not np.isfinite(value):
            ax.text(col, row, "n/a", ha="center", va="center", fontsize=8, color="0.4")
            continue
        red, green, blue, _ = image.cmap(image.norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(
            col,
            row,
            format(value, fmt),
            ha="center",
            va="center",
            fontsize=8,
            color="white" if dark else "black",
        )


def plot_feature_distributions(
    values: pd.DataFrame,
    features: Sequence[str],
    axis_labels: Mapping[str, str],
    *,
    title: str,
    style: PlotStyle,
    bins: int,
    caps: Mapping[str, Mapping[str, float]] | None = None,
    log_counts: bool = False,
) -> Figure:
    """One histogram per feature; ``caps`` draws the outlier caps as dashed lines."""
    fig, axes = _grid(style, len(features))
    for ax, feature in zip(axes, features, strict=True):
        data = pd.to_numeric(values[feature], errors="coerce").to_numpy(dtype="float64")
        data = data[np.isfinite(data)]
        ax.hist(data, bins=bins, color=style.colour(0), alpha=0.85)
        cap = (caps or {}).get(feature)
        if cap is not None and data.size:
            for bound in (cap["lower"], cap["upper"]):
                if data.min() < bound < data.max():
                    ax.axvline(bound, color="0.2", linestyle="--", linewidth=1, label="outlier cap")
        ax.set_title(feature)
        ax.set_xlabel(axis_labels[feature])
        ax.set_ylabel("customers (log scale)" if log_counts else "customers")
        if log_counts:
            ax.set_yscale("log")
    fig.suptitle(title)
    return fig


def plot_correlation_matrix(
    values: pd.DataFrame, features: Sequence[str], *, style: PlotStyle
) -> Figure:
    """Pearson correlation between model features, annotated heatmap."""
    corr = values[list(features)].astype("float64").corr().to_numpy()
    fig, axes = style.new_figure(height_scale=1.3)
    ax = axes[0, 0]
    image = ax.imshow(corr, cmap=style.diverging_cmap, vmin=-1, vmax=1)
    _annotate_cells(ax, image, corr, ".2f")
    ax.set_xticks(range(len(features)), labels=features, rotation=45, ha="right")
    ax.set_yticks(range(len(features)), labels=features)
    ax.set_xlabel("model feature")
    ax.set_ylabel("model feature")
    fig.colorbar(image, ax=ax).set_label("Pearson correlation r (unitless)")
    fig.suptitle("Correlation of model features (model input, after caps and log1p)")
    return fig


def plot_elbow(k_grid_scores: pd.DataFrame, *, selected_k: int | None, style: PlotStyle) -> Figure:
    """Inertia against K with the knee (``is_knee``) and the selected K marked."""
    grid = k_grid_scores.sort_values("k")
    fig, axes = style.new_figure()
    ax = axes[0, 0]
    ax.plot(grid["k"], grid["inertia"], marker="o", color=style.colour(0), label="inertia")
    knees = grid[grid["is_knee"].astype(bool)]
    if not knees.empty:
        ax.scatter(
            knees["k"],
            knees["inertia"],
            s=160,
            facecolors="none",
            edgecolors="red",
            linewidths=2,
            zorder=3,
            label=f"knee (K={', '.join(map(str, knees['k']))})",
        )
    _mark_selected_k(ax, selected_k)
    ax.set_xticks(grid["k"].tolist())
    ax.set_title("Elbow curve: within-cluster inertia by number of clusters")
    ax.set_xlabel("number of clusters K")
    ax.set_ylabel("inertia (sum of squared distances, scaled units²)")
    ax.legend()
    return fig


def plot_k_metrics(
    k_grid_scores: pd.DataFrame, *, selected_k: int | None, style: PlotStyle
) -> Figure:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin against K, one panel each."""
    grid = k_grid_scores.sort_values("k")
    fig, axes = style.new_figure(1, 3)
    for position, (ax, metric) in enumerate(zip(axes[0], METRIC_LABELS, strict=True)):
        ax.plot(grid["k"], grid[metric], marker="o", color=style.colour(position))
        _mark_selected_k(ax, selected_k)
        ax.set_xticks(grid["k"].tolist())
        ax.set_title(METRIC_TITLES[metric])
        ax.set_xlabel("number of clusters K")
        ax.set_ylabel(METRIC_LABELS[metric])
    fig.suptitle("Cluster-quality metrics by number of clusters")
    return fig


def completed_trials(optuna_trials: pd.DataFrame, objective: str) -> pd.DataFrame:
    """Trials whose state is COMPLETE (also ``TrialState.COMPLETE``) with a finite objective."""
    state = optuna_trials["state"].astype(str).str.upper()
    done = optuna_trials[state.str.endswith("COMPLETE")]
    return done[np.isfinite(pd.to_numeric(done[objective], errors="coerce"))]


def plot_optuna_history(
    optuna_trials: pd.DataFrame, *, objective: str, direction: str, style: PlotStyle
) -> Figure:
    """Objective per completed trial and the best-so-far line over feasible trials."""
    done = completed_trials(optuna_trials, objective).sort_values("number")
    feasible = done["feasible"].astype(bool)
    fig, axes = style.new_figure()
    ax = axes[0, 0]
    ax.scatter(
        done.loc[feasible, "number"],
        done.loc[feasible, objective],
        color=style.colour(0),
        s=18,
        label="feasible trial",
    )
    ax.scatter(
        done.loc[~feasible, "number"],
        done.loc[~feasible, objective],
        color="0.6",
        marker="x",
        s=18,
        label="infeasible trial (constraint violated)",
    )
    best = done.loc[feasible, ["number", objective]]
    if not best.empty:
        running = best[objective].cummax() if direction == "maximize" else best[objective].cummin()
        ax.step(best["number"], running, where="post", color="red", label="best so far")
    if done.empty:
        _message(ax, "no completed trials")
    ax.set_title(
        f"Optuna optimisation history ({len(done)} completed of {len(optuna_trials)} trials)"
    )
    ax.set_xlabel("trial number")
    ax.set_ylabel(METRIC_LABELS.get(objective, objective))
    ax.legend(loc="best")
    return fig


def plot_optuna_landscape(
    optuna_trials: pd.DataFrame, *, objective: str, direction: str, style: PlotStyle
) -> Figure:
    """Heatmap of the best objective per scaler x K cell over completed feasible trials."""
    done = completed_trials(optuna_trials, objective)
    done = done[done["feasible"].astype(bool)]
    fig, axes = style.new_figure()
    ax = axes[0, 0]
    label = METRIC_LABELS.get(objective, objective)
    if done.empty:
        _message(ax, "no completed feasible trials")
    else:
        table = (
            done.pivot_table(
                index="scaler",
                columns="k",
                values=objective,
                aggfunc="max" if direction == "maximize" else "min",
            )
            .sort_index(axis=0)
            .sort_index(axis=1)
        )
        values = table.to_numpy(dtype="float64")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=style.sequential_cmap, aspect="auto")
        _annotate_cells(ax, image, values, ".3f")
        best = np.nanargmax(values) if direction == "maximize" else np.nanargmin(values)
        row, col = np.unravel_index(best, values.shape)
        ax.add_patch(
            Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=2)
        )
        ax.set_xticks(range(table.shape[1]), labels=[str(k) for k in table.columns])
        ax.set_yticks(range(table.shape[0]), labels=[str(s) for s in table.index])
        fig.colorbar(image, ax=ax).set_label(f"best {label}")
    ax.set_title(
        f"Optuna landscape: best {objective} per scaler × K (feasible trials, best in red)"
    )
    ax.set_xlabel("number of clusters K")
    ax.set_ylabel("scaler")
    return fig


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
        _message(ax, "silhouette needs at least 2 segments and more customers than segments")
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


def format_spread(spread: float) -> str:
    """A silhouette spread: 3 decimals, or one significant digit below 0.0005 (``0.0003``)."""
    spread = abs(float(spread))
    if spread == 0 or spread >= 0.0005:
        return f"{spread:.3f}"
    return f"{spread:.{-math.floor(math.log10(spread))}f}"


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
    if scaled.shape[1] < 2:
        raise InputValidationError(
            f"PCA needs at least 2 model features, got {scaled.shape[1]}",
            "keep at least two features in feature_transforms.model_features",
            dataset="feature_transforms",
        )
    pca = PCA(n_components=2, random_state=seed)
    projected = pca.fit_transform(scaled)
    variance = pca.explained_variance_ratio_ * 100
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
    centroids: pd.DataFrame, features: Sequence[str], labels: Sequence[str], *, style: PlotStyle
) -> Figure:
    """Standardized centroid values, segments as rows and model features as columns."""
    values = centroids[list(features)].to_numpy(dtype="float64")
    limit = max(float(np.nanmax(np.abs(values))) if values.size else 1.0, 1e-9)
    fig, axes = style.new_figure(height_scale=max(len(labels) / 6, 0.8))
    ax = axes[0, 0]
    image = ax.imshow(values, cmap=style.diverging_cmap, vmin=-limit, vmax=limit, aspect="auto")
    _annotate_cells(ax, image, values, ".2f")
    ax.set_xticks(range(len(features)), labels=list(features), rotation=45, ha="right")
    ax.set_yticks(range(len(labels)), labels=list(labels))
    ax.set_xlabel("model feature")
    ax.set_ylabel("segment")
    fig.colorbar(image, ax=ax).set_label("standardized value (SD from the mean)")
    ax.set_title("Segment centroids, standardized (red above, blue below the average customer)")
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
    fig, axes = _grid(style, len(features))
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
        _set_category_ticks(ax, range(1, len(groups) + 1), segments["label"].tolist())
        ax.set_title(feature)
        ax.set_xlabel("segment")
        ax.set_ylabel(axis_labels[feature])
    outliers = "shown" if show_outliers else "hidden"
    fig.suptitle(f"Features by segment, original units (whiskers 1.5 IQR, outliers {outliers})")
    return fig


def plot_segment_shares(
    profiles: pd.DataFrame, labels: Sequence[str], *, style: PlotStyle
) -> Figure:
    """Customers per segment, and share of customers vs share of revenue (when known)."""
    fig, axes = style.new_figure(1, 2)
    count_ax, share_ax = axes[0]
    positions = np.arange(len(labels))
    colours = [style.colour(i) for i in range(len(labels))]
    bars = count_ax.bar(positions, profiles["customers"], color=colours)
    count_ax.bar_label(bars, fmt="{:,.0f}", fontsize=8)
    count_ax.set_title("Segment size")
    count_ax.set_ylabel("customers (count)")
    has_revenue = "revenue_share" in profiles
    width = 0.4 if has_revenue else 0.8
    share_ax.bar(
        positions - (width / 2 if has_revenue else 0),
        profiles["customer_share"] * 100,
        width=width,
        color=colours,
    )
    handles = [Patch(facecolor="0.6", label="share of customers")]
    if has_revenue:
        share_ax.bar(
            positions + width / 2,
            profiles["revenue_share"] * 100,
            width=width,
            color=colours,
            hatch="//",
            alpha=0.6,
        )
        handles.append(Patch(facecolor="0.8", hatch="//", label="share of revenue"))
    share_ax.axhline(0, color="0.3", linewidth=0.8)
    share_ax.set_title(
        "Share of customers vs share of revenue" if has_revenue else "Share of customers"
    )
    share_ax.set_ylabel("share (%)")
    share_ax.legend(handles=handles)
    for ax in (count_ax, share_ax):
        _set_category_ticks(ax, positions, labels)
        ax.set_xlabel("segment")
    fig.suptitle("Segment sizes and revenue" if has_revenue else "Segment sizes")
    return fig
