"""The interactive charts: what each draws, and how the report carries them (offline, once)."""

from __future__ import annotations

import re

import plotly.graph_objects as go

from customer_segmentation.pipelines.reporting import charts
from customer_segmentation.pipelines.reporting.tables import build_segment_profiles

from .conftest import SEGMENT_NAMES, profiling_without, reporting_params
from .test_report import _render


def _profiles(inputs, params):
    return build_segment_profiles(inputs["customer_features"], inputs["customer_segments"], params)


def _all_charts(inputs, params) -> dict[str, go.Figure]:
    return {
        "segment_shares": charts.chart_segment_shares(_profiles(inputs, params), params),
        "pca_scatter": charts.chart_pca_scatter(
            inputs["model_input"],
            inputs["customer_segments"],
            inputs["clustering_model"],
            inputs["feature_transforms"],
            params,
        ),
        "k_metrics": charts.chart_k_metrics(inputs["k_grid_scores"], inputs["best_params"], params),
    }


def test_segment_shares_compare_customers_with_revenue_per_segment(inputs, params):
    fig = charts.chart_segment_shares(_profiles(inputs, params), params)
    customers, revenue = fig.data
    assert sorted(customers.x) == sorted(SEGMENT_NAMES)
    assert sum(customers.y) == 100.0  # 4 groups of 75
    assert list(customers.customdata) == [75, 75, 75, 75]
    assert abs(sum(revenue.y) - 100.0) < 0.05
    assert revenue.marker.pattern.shape == charts.REVENUE_PATTERN


def test_segment_shares_without_revenue_draw_customers_only(inputs, params):
    inputs["customer_features"] = inputs["customer_features"].drop(columns=["monetary"])
    params = profiling_without(params, "monetary")
    fig = charts.chart_segment_shares(_profiles(inputs, params), params)
    assert [trace.name for trace in fig.data] == ["share of customers"]


def test_pca_chart_draws_the_same_sample_as_the_picture(inputs):
    params = reporting_params({"pca_sample_size": 100})
    fig = charts.chart_pca_scatter(
        inputs["model_input"],
        inputs["customer_segments"],
        inputs["clustering_model"],
        inputs["feature_transforms"],
        params,
    )
    points = [trace for trace in fig.data if trace.showlegend is not False]
    centres = [trace for trace in fig.data if trace.showlegend is False]
    assert sorted(trace.name for trace in points) == sorted(SEGMENT_NAMES)
    assert sum(len(trace.x) for trace in points) == 100
    assert len(centres) == 4 and all(len(trace.x) == 1 for trace in centres)
    assert "sample of 100 of 300" in fig.layout.title.text


def test_k_metrics_mark_the_chosen_k_in_each_panel(inputs, params):
    fig = charts.chart_k_metrics(inputs["k_grid_scores"], inputs["best_params"], params)
    assert len(fig.data) == 3
    assert list(fig.data[0].x) == sorted(inputs["k_grid_scores"]["k"])
    chosen = inputs["best_params"]["k"]
    assert [shape.x0 for shape in fig.layout.shapes] == [chosen] * 3


def test_embedded_charts_have_fixed_ids_and_load_nothing(inputs, params):
    made = _all_charts(inputs, params)
    first = charts.embed_charts(params, **made)
    again = charts.embed_charts(params, **_all_charts(inputs, params))
    assert first == again  # byte-identical reruns
    for name, fragment in first.items():
        assert f'<div id="chart-{name}"' in fragment
        assert "cdn" not in fragment.lower() and not re.search(r"src=", fragment)
    off = reporting_params({"interactive_charts": False})
    assert charts.embed_charts(off, **made) == {}


def test_report_with_charts_writes_plotly_once_and_shows_each_chart_for_its_picture(inputs, params):
    embedded = charts.embed_charts(params, **_all_charts(inputs, params))
    html = _render(inputs, params, charts=embedded)
    assert html.count("* plotly.js v") == 1
    assert html.index("* plotly.js v") < html.index('<div id="chart-')  # loaded before use
    assert not re.search(r"<script[^>]+src=", html) and "<link" not in html
    for name in charts.CHART_NAMES:
        assert html.count(f'<div id="chart-{name}"') == 1
    assert html.count('<img src="data:image/png;base64,') < html.count("<figure")


def test_report_without_charts_has_no_script(inputs, params):
    html = _render(inputs, params, charts={})
    assert "<script" not in html and 'class="chart"' not in html
