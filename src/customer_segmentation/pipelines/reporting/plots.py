"""Pure plotting functions of the reporting pipeline: data in, ``matplotlib`` Figure out.

This module draws the feature and model-selection figures and holds the drawing helpers;
:mod:`.segment_plots` draws the figures of the segments.

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
from matplotlib.patches import Rectangle

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


def tick_labels(labels: Sequence[str], width: int = 20) -> list[str]:
    """Segment names wrapped onto lines of at most ``width`` characters for category axes."""
    return [textwrap.fill(str(label), width) for label in labels]


def set_category_ticks(ax: Axes, positions: Sequence[float], labels: Sequence[str]) -> None:
    ax.set_xticks(
        list(positions),
        labels=tick_labels(labels),
        rotation=30,
        ha="right",
        rotation_mode="anchor",
        fontsize=8,
    )


def panel_grid(style: PlotStyle, n_panels: int) -> tuple[Figure, list[Axes]]:
    """A figure with ``n_panels`` axes in rows of three; spare axes are hidden."""
    ncols = min(GRID_COLUMNS, max(n_panels, 1))
    nrows = max(math.ceil(n_panels / ncols), 1)
    fig, axes = style.new_figure(nrows, ncols, height_scale=max(nrows / 2, 0.6))
    flat = list(axes.ravel())
    for ax in flat[n_panels:]:
        ax.set_visible(False)
    return fig, flat[:n_panels]


def write_message(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)


def _mark_selected_k(ax: Axes, selected_k: int | None) -> None:
    if selected_k is not None:
        ax.axvline(
            selected_k, color="0.3", linestyle="--", linewidth=1, label=f"selected K={selected_k}"
        )


def annotate_cells(ax: Axes, image: AxesImage, values: np.ndarray, fmt: str) -> None:
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


def draw_matrix(  # noqa: PLR0913 - one call draws the whole annotated matrix
    fig: Figure,
    ax: Axes,
    values: np.ndarray,
    rows: Sequence[str],
    columns: Sequence[str],
    *,
    cmap: str,
    limits: tuple[float, float],
    fmt: str,
    axis_labels: tuple[str, str],
    colour_label: str,
    column_rotation: int = 30,
) -> None:
    """An annotated heat map of ``values`` (rows x columns) with its colour bar."""
    image = ax.imshow(values, cmap=cmap, vmin=limits[0], vmax=limits[1], aspect="auto")
    annotate_cells(ax, image, values, fmt)
    ax.set_xticks(range(len(columns)), labels=list(columns), rotation=column_rotation, ha="right")
    ax.set_yticks(range(len(rows)), labels=list(rows))
    ax.set_xlabel(axis_labels[0])
    ax.set_ylabel(axis_labels[1])
    fig.colorbar(image, ax=ax).set_label(colour_label)


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
    fig, axes = panel_grid(style, len(features))
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
    draw_matrix(
        fig,
        ax,
        corr,
        features,
        features,
        cmap=style.diverging_cmap,
        limits=(-1.0, 1.0),
        fmt=".2f",
        axis_labels=("model feature", "model feature"),
        colour_label="Pearson correlation r (unitless)",
        column_rotation=45,
    )
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
        write_message(ax, "no completed trials")
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
        write_message(ax, "no completed feasible trials")
    elif done["k"].nunique() == 1:
        return _scaler_bars(fig, ax, done, objective=objective, direction=direction, style=style)
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
        annotate_cells(ax, image, values, ".3f")
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


def _scaler_bars(
    fig: Figure, ax: Axes, done: pd.DataFrame, *, objective: str, direction: str, style: PlotStyle
) -> Figure:
    """One K (``forced_k``): the best score of each scaler as bars, the best in red."""
    best = done.groupby("scaler")[objective].agg("max" if direction == "maximize" else "min")
    best = best.sort_values(ascending=direction != "maximize")
    winner = best.index[0]
    colours = ["red" if scaler == winner else style.colour(0) for scaler in best.index]
    positions = np.arange(len(best))
    ax.barh(positions, best.to_numpy(dtype="float64"), color=colours)
    ax.set_yticks(positions, labels=[str(scaler) for scaler in best.index])
    ax.invert_yaxis()
    for position, value in zip(positions, best, strict=True):
        ax.text(value, position, f" {value:.3f}", va="center", fontsize=8)
    k = int(done["k"].iloc[0])
    ax.set_title(f"Optuna: best {objective} per scaler at K = {k} (K fixed, best in red)")
    ax.set_xlabel(METRIC_LABELS.get(objective, objective))
    ax.set_ylabel("scaler")
    return fig
