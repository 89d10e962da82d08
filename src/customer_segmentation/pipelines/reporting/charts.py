"""Interactive versions of the report's main figures (plotly), for the report and kedro-viz.

A chart node takes the inputs of the figure of the same name and returns a plotly Figure,
saved as ``<name>_chart`` (a versioned ``plotly.JSONDataset``, which kedro-viz draws). With
``reporting.interactive_charts`` on, the report shows the chart in place of that figure's PNG
(hover for exact values, click a legend entry to hide a segment, zoom), with plotly.js written
into the page once, so it opens offline: no CDN. The PNG figures stay as the files of the
``<name>_plot`` datasets, for slides, print and the workbook's readers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from markupsafe import Markup
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots
from sklearn.pipeline import Pipeline

from customer_segmentation.model import sample_positions

from .figures import checked_k_grid
from .model_space import scaled_model_input
from .params import PlotStyle, ReportingParams
from .plots import METRIC_LABELS, METRIC_TITLES
from .segment_plots import pca_projection
from .segments import require_columns, segment_index

#: The chart's tool bar: zoom, pan and the PNG download; no plotly logo or links to plotly's
#: cloud (nothing in the report may reach the network), no lasso or box select (no use here).
CHART_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["lasso2d", "select2d"],
}
CHART_HEIGHT = 440
#: The hatched bar of a segment's share of revenue, beside its share of customers.
REVENUE_PATTERN = "/"


def _layout(fig: go.Figure, title: str, style: PlotStyle, **layout: Any) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0.0, "xanchor": "left"},
        template="plotly_white",
        height=CHART_HEIGHT,
        margin={"l": 60, "r": 20, "t": 70, "b": 60},
        colorway=list(style.palette),
        **layout,
    )
    return fig


def chart_segment_shares(segment_profiles: pd.DataFrame, params: ReportingParams) -> go.Figure:
    """Share of customers (and of revenue, when profiled) per segment, counts on hover."""
    require_columns(
        segment_profiles, ["cluster", "segment", "customers", "customer_share"], "segment_profiles"
    )
    index = segment_index(segment_profiles, "segment_profiles").set_index("cluster")
    profiles = segment_profiles.sort_values("cluster")
    labels = index.loc[profiles["cluster"], "label"].tolist()
    colours = [params.style.colour(p) for p in index.loc[profiles["cluster"], "position"]]
    fig = go.Figure(
        go.Bar(
            name="share of customers",
            x=labels,
            y=(profiles["customer_share"] * 100).round(2).tolist(),
            customdata=profiles["customers"].astype("int64").tolist(),
            marker={"color": colours},
            hovertemplate="%{x}<br>%{y:.1f} % of customers (%{customdata:,})<extra></extra>",
        )
    )
    if "revenue_share" in profiles:
        revenue = profiles.get("revenue", pd.Series(np.nan, index=profiles.index))
        fig.add_trace(
            go.Bar(
                name="share of revenue",
                x=labels,
                y=(profiles["revenue_share"] * 100).round(2).tolist(),
                customdata=[params.formats.amount(params.revenue_column, v) for v in revenue],
                marker={"color": colours, "pattern": {"shape": REVENUE_PATTERN}, "opacity": 0.6},
                hovertemplate="%{x}<br>%{y:.1f} % of revenue (%{customdata})<extra></extra>",
            )
        )
    title = (
        "Share of customers against share of revenue"
        if "revenue_share" in profiles
        else "Share of customers"
    )
    return _layout(
        fig,
        title,
        params.style,
        barmode="group",
        yaxis_title="% of all",
        xaxis_title="segment",
        legend={"orientation": "h", "y": -0.2},
    )


def chart_pca_scatter(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
    params: ReportingParams,
) -> go.Figure:
    """The PCA map of the PNG figure: the same fixed-seed sample, one trace per segment."""
    values, clusters = scaled_model_input(
        model_input, customer_segments, clustering_model, feature_transforms
    )
    projected, variance = pca_projection(values, params.random_seed)
    positions = sample_positions(len(projected), params.pca_sample_size, params.random_seed)
    fig = go.Figure()
    for segment in segment_index(customer_segments).itertuples():
        member = clusters == segment.cluster
        drawn = projected[positions][member[positions]]
        colour = params.style.colour(segment.position)
        fig.add_trace(
            go.Scatter(
                name=segment.label,
                legendgroup=segment.label,
                x=drawn[:, 0].round(4).tolist(),
                y=drawn[:, 1].round(4).tolist(),
                mode="markers",
                marker={"color": colour, "size": 5, "opacity": 0.6},
                hovertemplate=f"{segment.label}<extra></extra>",
            )
        )
        if member.any():
            centre = projected[member].mean(axis=0).round(4)
            fig.add_trace(
                go.Scatter(
                    name=f"{segment.label}: centre",
                    legendgroup=segment.label,
                    showlegend=False,
                    x=[centre[0]],
                    y=[centre[1]],
                    mode="markers",
                    marker={
                        "color": colour,
                        "size": 16,
                        "symbol": "x",
                        "line": {"color": "black", "width": 1},
                    },
                    hovertemplate=f"centre of {segment.label}<extra></extra>",
                )
            )
    return _layout(
        fig,
        f"Segments in the first two principal components (sample of {len(positions):,} "
        f"of {len(projected):,}; X = segment centre)",
        params.style,
        xaxis_title=f"PC1 score, scaled units ({variance[0]:.1f} % of variance)",
        yaxis_title=f"PC2 score, scaled units ({variance[1]:.1f} % of variance)",
        legend={"title": {"text": "segment (click to hide)"}},
    )


def chart_k_metrics(
    k_grid_scores: pd.DataFrame, best_params: dict[str, Any], params: ReportingParams
) -> go.Figure:
    """Silhouette, Calinski-Harabasz and Davies-Bouldin against K, the chosen K marked."""
    grid = checked_k_grid(k_grid_scores).sort_values("k")
    fig = make_subplots(
        rows=1, cols=len(METRIC_LABELS), subplot_titles=list(METRIC_TITLES.values())
    )
    selected = best_params.get("k")
    for column, metric in enumerate(METRIC_LABELS, start=1):
        fig.add_trace(
            go.Scatter(
                name=METRIC_TITLES[metric],
                x=grid["k"].astype("int64").tolist(),
                y=grid[metric].astype("float64").round(6).tolist(),
                mode="lines+markers",
                marker={"color": params.style.colour(column - 1)},
                showlegend=False,
                hovertemplate="K = %{x}<br>%{y:.4g}<extra></extra>",
            ),
            row=1,
            col=column,
        )
        fig.update_xaxes(title_text="number of clusters K", dtick=1, row=1, col=column)
        fig.update_yaxes(title_text=METRIC_LABELS[metric], row=1, col=column)
        if selected is not None:
            fig.add_vline(x=selected, line_dash="dash", line_color="grey", row=1, col=column)
    return _layout(
        fig, f"Cluster-quality metrics by number of clusters (chosen K = {selected})", params.style
    )


#: Chart name (the name of the PNG figure it stands in for) -> node function.
CHARTS: dict[str, Callable[..., go.Figure]] = {
    "segment_shares": chart_segment_shares,
    "pca_scatter": chart_pca_scatter,
    "k_metrics": chart_k_metrics,
}
CHART_NAMES: tuple[str, ...] = tuple(CHARTS)


def embed_charts(params: ReportingParams, **charts: go.Figure) -> dict[str, Markup]:
    """Each chart as an HTML fragment for the report; none when ``interactive_charts`` is off.

    The fragments call plotly.js, which the report writes once (:func:`plotly_script`).
    Fixed element ids keep the report byte-identical from run to run.
    """
    if not params.interactive_charts:
        return {}
    return {
        name: Markup(
            pio.to_html(
                fig,
                full_html=False,
                include_plotlyjs=False,
                div_id=f"chart-{name}",
                config={**CHART_CONFIG, "toImageButtonOptions": {"filename": name}},
            )
        )
        for name, fig in sorted(charts.items())
    }


def plotly_script() -> Markup:
    """plotly.js from the installed plotly package, to write inline into the report."""
    return Markup(get_plotlyjs())
