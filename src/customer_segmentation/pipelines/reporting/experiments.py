"""The "Experiments compared" part of the report: the table, the figure and its reading.

Reads ``experiment_comparison`` (one row per experiment) and ``experiment_agreement``
(adjusted Rand index of every pair) as the ``experiments`` pipeline writes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .cells import fmt_score, table
from .params import PlotStyle
from .plots import draw_matrix, set_category_ticks, write_message
from .segments import require_columns

COMPARISON = ["experiment", "chosen", "algorithm", "n_features", "scaler", "k", "silhouette"]


def experiments_compared(comparison: pd.DataFrame, agreement: pd.DataFrame) -> dict[str, Any]:
    """The section's context; ``shown`` is false with a single experiment."""
    require_columns(
        comparison, [*COMPARISON, "silhouette_std", "stability"], "experiment_comparison"
    )
    require_columns(agreement, ["experiment"], "experiment_agreement")
    rows = comparison.assign(
        silhouette=[
            fmt_score(mean, spread)
            for mean, spread in zip(
                comparison["silhouette"], comparison["silhouette_std"], strict=True
            )
        ],
        stability=comparison["stability"].map(fmt_score),
        agreement_with_chosen=comparison["agreement_with_chosen"].map(fmt_score),
        chosen=comparison["chosen"].map(lambda chosen: "yes" if chosen else ""),
    )
    columns = [
        "experiment",
        "chosen",
        "description",
        "algorithm",
        "n_features",
        "scaler",
        "k",
        "silhouette",
        "stability",
        "agreement_with_chosen",
        "same_features_as_chosen",
    ]
    chosen = comparison.loc[comparison["chosen"].astype(bool), "experiment"]
    return {
        "shown": len(comparison) > 1,
        "chosen": str(chosen.iloc[0]) if len(chosen) else "",
        "table": table(rows[[c for c in columns if c in rows]]),
        "agreement": table(agreement.set_index("experiment").map(fmt_score).reset_index()),
    }


def plot_experiment_comparison(
    comparison: pd.DataFrame, agreement: pd.DataFrame, *, style: PlotStyle
) -> Figure:
    """Left: each experiment's silhouette with its spread; right: how far their segments agree."""
    if len(comparison) < 2:
        fig, axes = style.new_figure(height_scale=0.5)
        write_message(axes[0, 0], "One experiment: nothing to compare")
        axes[0, 0].set_axis_off()
        return fig
    fig, axes = style.new_figure(1, 2)
    score_ax, agree_ax = axes[0, 0], axes[0, 1]
    positions = np.arange(len(comparison))
    colours = [style.colour(0) if chosen else "0.6" for chosen in comparison["chosen"]]
    score_ax.bar(
        positions,
        comparison["silhouette"],
        yerr=comparison["silhouette_std"],
        color=colours,
        capsize=4,
    )
    set_category_ticks(
        score_ax,
        positions,
        [
            f"{name} (K={k})"
            for name, k in zip(comparison["experiment"], comparison["k"], strict=True)
        ],
    )
    score_ax.set_xlabel("experiment (chosen one in colour)")
    score_ax.set_ylabel("mean silhouette (± spread)")
    score_ax.set_title(
        "Separation of each experiment's segments\n(comparable on the same features)"
    )
    names = list(agreement["experiment"])
    values = agreement[names].to_numpy(dtype="float64")
    draw_matrix(
        fig,
        agree_ax,
        values,
        names,
        names,
        cmap=style.sequential_cmap,
        limits=(0.0, 1.0),
        fmt=".2f",
        axis_labels=("experiment", "experiment"),
        colour_label="adjusted Rand index (1 = same segments)",
    )
    agree_ax.set_title("Agreement of the experiments' segments")
    fig.suptitle("Experiments compared")
    return fig
