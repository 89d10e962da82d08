"""The HTML report: sections, embedded images, escaping, no external resources."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from customer_segmentation.pipelines.reporting import nodes
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.report import (
    REPORT_FIGURES,
    fmt_p,
    fmt_value,
    render_html_report,
    template_environment,
)

from .conftest import profiling_without, reporting_params

SCRIPT = "<script>alert('x')</script>"
ONE_PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode("ascii")


def _render(inputs: dict[str, Any], params: ReportingParams, **figures: str) -> str:
    profiles = nodes.build_segment_profiles(
        inputs["customer_features"], inputs["customer_segments"], params
    )
    tests = nodes.compute_feature_tests(
        inputs["model_input"], inputs["customer_segments"], inputs["feature_transforms"], params
    )
    overall = nodes.build_overall_profile(
        inputs["customer_features"], inputs["customer_segments"], params
    )
    summary = nodes.build_segment_summary(
        inputs["best_params"],
        inputs["stability_summary"],
        inputs["data_quality_summary"],
        profiles,
        overall,
    )
    images = {name: ONE_PIXEL_PNG for name in REPORT_FIGURES} | figures
    return render_html_report(
        segment_summary=summary,
        segment_profiles=profiles,
        feature_tests=tests,
        segment_actions=inputs["segment_actions"],
        segment_stability=inputs["segment_stability"],
        k_grid_scores=inputs["k_grid_scores"],
        params=params,
        **images,
    )


def _rename_cluster(inputs: dict[str, Any], cluster: int, name: str) -> None:
    for key in ("customer_segments", "segment_actions", "segment_stability", "segment_centroids"):
        frame = inputs[key]
        frame.loc[frame["cluster"] == cluster, "segment"] = name


def test_report_has_a_section_per_segment(inputs, params):
    html = _render(inputs, params)
    actions = inputs["segment_actions"]
    for row in actions.itertuples():
        section = re.search(
            rf'<section class="segment" id="segment-{row.cluster}">(.*?)</section>', html, re.S
        )
        assert section, f"no section for cluster {row.cluster}"
        body = section.group(1)
        assert f"<h3>{row.segment} " in body
        assert row.goal in body
        for action in row.actions.split("; "):
            assert f"<li>{action}</li>" in body
        assert "% of revenue" in body and "Profile (original units)" in body
        median = inputs["customer_features"]["recency"].median()
        assert "<td>recency</td><td>days</td>" in body and f"<td>{median:,.2f}</td></tr>" in body
    assert html.count('<section class="segment"') == len(actions)
    assert 'badge unstable">unstable' in html


def test_report_embeds_every_figure_as_base64_png(inputs, params):
    figures = {name: base64.b64encode(name.encode()).decode() for name in REPORT_FIGURES}
    html = _render(inputs, params, **figures)
    assert html.count("data:image/png;base64,") == len(REPORT_FIGURES)
    for encoded in figures.values():
        assert f'src="data:image/png;base64,{encoded}"' in html


def test_report_is_self_contained(inputs, params):
    html = _render(inputs, params)
    lowered = html.lower()
    for forbidden in ("<script", "<link", "@import", "url(", 'src="http', 'href="http', "<iframe"):
        assert forbidden not in lowered, forbidden
    srcs = re.findall(r'src="([^"]*)"', html)
    assert srcs and all(src.startswith("data:image/png;base64,") for src in srcs)


def test_report_escapes_names_from_data(inputs, params):
    _rename_cluster(inputs, 0, SCRIPT)
    inputs["customer_features"].loc[0:9, "rfm_segment"] = "<b>bold</b>"
    inputs["data_quality_summary"]["rejected_by_reason"]["<img src=x onerror=alert(1)>"] = 3
    html = _render(inputs, params)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_report_without_revenue(inputs, params):
    inputs["customer_features"] = inputs["customer_features"].drop(columns=["monetary"])
    html = _render(inputs, profiling_without(params, "monetary"))
    assert "% of revenue" not in html and "Net revenue" not in html
    assert html.count('<section class="segment"') == 4


def test_report_segment_without_actions(inputs, params):
    inputs["segment_actions"].loc[inputs["segment_actions"]["cluster"] == 1, "actions"] = None
    html = _render(inputs, params)
    section = re.search(r'id="segment-1">(.*?)</section>', html, re.S).group(1)
    assert "No actions defined." in section and "<li>" not in section


def test_report_shows_data_quality_and_tests(inputs, params):
    html = _render(inputs, params)
    assert "<td>missing_customer_id</td><td>450</td><td>4.5 %</td>" in html
    assert "<td>rejected lines</td><td>600</td><td>6.0 %</td>" in html
    assert "<td>units_per_order</td>" in html
    assert "8 of 9 features separate" in html


def test_report_needs_every_figure(inputs, params):
    images = {name: ONE_PIXEL_PNG for name in REPORT_FIGURES[1:]}
    with pytest.raises(TypeError, match=REPORT_FIGURES[0]):
        render_html_report(
            segment_summary={},
            segment_profiles=None,
            feature_tests=None,
            segment_actions=None,
            segment_stability=None,
            k_grid_scores=None,
            params=params,
            **images,
        )


def test_template_ships_in_the_package_with_autoescape():
    environment = template_environment()
    assert environment.autoescape is True
    assert "report.html.j2" in environment.list_templates()


@pytest.mark.parametrize(
    ("value", "text"),
    [(True, "yes"), (1234567, "1,234,567"), (1234.5, "1,234"), (12.345, "12.35"), (0.5, "0.500")],
)
def test_fmt_value(value, text):
    assert fmt_value(value) == text


def test_fmt_p_handles_underflow_and_missing():
    assert fmt_p(0.0) == "< 1e-300"
    assert fmt_p(2.5e-8) == "2.50e-08"
    assert fmt_p(float("nan")) == "–"


def test_customer_table_report_counts_rows_and_shows_category_shares(inputs):
    inputs["data_quality_summary"] = {
        "dataset": "raw_customers",
        "input_shape": "customer_table",
        "raw_rows": 310,
        "kept_rows": 300,
        "rejected_rows": 10,
        "rejected_by_reason": {"missing_customer_id": 7, "unparseable_age": 3},
        "customers": 300,
        "missing_values": {"region": 12, "recency": 0},
    }
    features = inputs["customer_features"].drop(columns=["rfm_segment", "monetary"])
    features["region"] = features.index.map(lambda i: "north" if i % 3 else "south")
    features.loc[:11, "region"] = None
    features["region"] = features["region"].astype("str")
    inputs["customer_features"] = features
    html = _render(inputs, reporting_params({"profile_features": ["recency", "region"]}))
    text = re.sub(r"\s+", " ", html)
    assert "Customer rows read" in text and "Invoice lines read" not in text
    assert "Customer rows from raw_customers (one row per customer)." in text
    assert "<td>unparseable_age</td><td>3</td>" in text.replace("> <", "><")
    assert "Missing values in kept rows" in text and "<td>region</td>" in text
    assert "Category shares" in text and "(missing)" in text
    assert "share of revenue" not in text and "RFM segment mix" not in text
