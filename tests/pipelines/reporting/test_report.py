"""The HTML report: sections, embedded images, escaping, no external resources."""

from __future__ import annotations

import base64
import re
from typing import Any

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting import tables
from customer_segmentation.pipelines.reporting.cells import fmt_p, fmt_value
from customer_segmentation.pipelines.reporting.customer_list import build_customer_list
from customer_segmentation.pipelines.reporting.figures import FIGURE_NAMES as REPORT_FIGURES
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.report import (
    render_html_report,
    template_environment,
)
from customer_segmentation.pipelines.reporting.summary import build_segment_summary

from .conftest import profiling_without, reporting_params

SCRIPT = "<script>alert('x')</script>"
ONE_PIXEL_PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
    )
).decode("ascii")


def _render(
    inputs: dict[str, Any],
    params: ReportingParams,
    charts: dict[str, str] | None = None,
    **figures: str,
) -> str:
    profiles = tables.build_segment_profiles(
        inputs["customer_features"], inputs["customer_segments"], params
    )
    tests = tables.compute_feature_tests(
        inputs["model_input"], inputs["customer_segments"], inputs["feature_transforms"], params
    )
    overall = tables.build_overall_profile(
        inputs["customer_features"], inputs["customer_segments"], params
    )
    summary = build_segment_summary(
        inputs["best_params"],
        inputs["stability_summary"],
        inputs["data_quality_summary"],
        profiles,
        overall,
    )
    images = {name: ONE_PIXEL_PNG for name in REPORT_FIGURES} | figures
    charts = {} if charts is None else charts
    return render_html_report(
        segment_summary=summary,
        segment_profiles=profiles,
        feature_tests=tests,
        segment_actions=inputs["segment_actions"],
        segment_stability=inputs["segment_stability"],
        k_grid_scores=inputs["k_grid_scores"],
        selection_candidates=inputs["selection_candidates"],
        monitoring_summary=inputs["monitoring_summary"],
        segment_changes=inputs["segment_changes"],
        feature_drift=inputs["feature_drift"],
        experiment_comparison=inputs["experiment_comparison"],
        experiment_agreement=inputs["experiment_agreement"],
        customer_list=build_customer_list(
            inputs["customer_segments"], inputs["customer_features"], inputs["segment_actions"]
        ),
        report_charts=charts,
        params=params,
        customer_value_segments=inputs["customer_value_segments"],
        customer_value_validation=inputs["customer_value_validation"],
        customer_value_model=inputs["customer_value_model"],
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
        assert "<td>days since last order</td><td>days</td>" in body
        assert f"<td>{median:,.2f}</td></tr>" in body
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
    assert "<td>units_per_order</td>" in html  # the tests table keeps the column names
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
            selection_candidates=None,
            monitoring_summary={},
            segment_changes=None,
            feature_drift=None,
            experiment_comparison=None,
            experiment_agreement=None,
            customer_list=None,
            report_charts={},
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


def _why_k(html: str) -> str:
    """The text of the "Why K = n" section, whitespace collapsed."""
    section = re.search(r'<section id="why-k">(.*?)</section>', html, re.S)
    assert section, "no Why K section"
    return re.sub(r"\s+", " ", section.group(1))


def test_why_k_section_shows_the_rule_the_candidates_and_the_runner_up(inputs, params):
    html = _render(inputs, params)
    section = _why_k(html)
    best = inputs["best_params"]
    assert "<h3>Why K = 4</h3>" in section
    assert "<strong>Policy:</strong> largest_stable_k: take the largest K" in section
    assert best["reason"].replace(">", "&gt;").replace("<", "&lt;") in section
    # one row per K representative, in K order, the chosen one highlighted
    rows = re.findall(r"<tr( class=\"chosen\")?><td>(\d+)</td><td>(\w+)</td>", section)
    assert [(k, scaler) for _, k, scaler in rows] == [(str(k), "standard") for k in range(2, 7)]
    assert [k for chosen, k, _ in rows if chosen] == ["4"]
    chosen = re.search(r'<tr class="chosen">(.*?)</tr>', section).group(1)
    assert f"<td>{best['silhouette']:.3f} ± 0.008</td>" in chosen
    assert "<td>✓</td><td>0.970 ± 0.010</td><td>chosen</td>" in chosen
    assert "<td>25.0 %</td>" in chosen  # smallest segment share
    assert "<th>silhouette ↑</th>" in section and "<th>verdict</th>" in section
    assert "<td>–</td><td>silhouette clearly below the best</td>" in section  # K=5 unmeasured
    runner = best["runner_up"]
    assert (
        f"<strong>Runner-up:</strong> K = 3 (standard scaler), silhouette "
        f"{runner['silhouette']:.3f} ± 0.007, stability 0.900. Why it lost: equally good, but "
        "K=3 &lt; K=4 merges segments." in section
    )
    assert (
        "mean over 5 samples of 200 customers of the search sample (300 customers), each "
        "stratified per segment so small segments count" in section
    )
    assert (
        "from one sample of that many customers to another, scored on standardized features"
        in section
    )
    assert "of 7 scored (scaler, K) pairs, 6 feasible" in section
    assert "not shown" not in section  # every K has a feasible representative
    assert 'href="#why-k">Why K = 4</a>' in html


def test_headline_silhouette_shows_its_spread(inputs, params):
    text = re.sub(r"\s+", " ", _render(inputs, params))
    silhouette = f"{inputs['best_params']['silhouette']:.3f} ± 0.008"
    assert f'<div class="value">{silhouette}</div><div class="label">Silhouette' in text
    assert f"<td>silhouette</td><td>{silhouette}</td>" in text
    assert "<td>selection policy</td><td>largest_stable_k</td>" in text


def test_why_k_with_a_forced_k_and_only_the_chosen_candidate(inputs, params):
    candidates = inputs["selection_candidates"]
    inputs["selection_candidates"] = candidates[candidates["verdict"] == "chosen"]
    best = inputs["best_params"]
    best.update(forced_k=4, runner_up=None, n_candidates=1, n_feasible_candidates=1)
    best["reason"] = "K=4 (standard): forced K=4 by parameter forced_k."
    section = _why_k(_render(inputs, params))
    assert "<h3>Why K = 4</h3>" in section
    assert "<strong>Policy:</strong> K fixed to 4 by the forced_k parameter" in section
    assert section.count("<tr") == 2 and section.count('<tr class="chosen">') == 1
    assert "<strong>Runner-up:</strong> none: K was fixed to 4 by the forced_k parameter" in section
    assert "of 1 scored (scaler, K) pairs, 1 feasible" in section


def test_why_k_with_best_params_from_before_the_selection_policy(inputs, params):
    old_keys = ("scaler", "k", "silhouette", "calinski_harabasz", "davies_bouldin")
    inputs["best_params"] = {
        **{key: inputs["best_params"][key] for key in old_keys},
        "min_cluster_share": inputs["best_params"]["min_cluster_share"],
        "reason": "best feasible silhouette",
    }
    html = _render(inputs, params)
    text = re.sub(r"\s+", " ", html)
    silhouette = f"{inputs['best_params']['silhouette']:.3f}"
    assert f'<div class="value">{silhouette}</div>' in text  # no spread known
    section = _why_k(html)
    assert (
        "Policy:" not in section
        and "<strong>Decision:</strong> best feasible silhouette" in section
    )
    # the runner-up comes from the candidates' verdicts
    assert "Runner-up:</strong> K = 3 (standard scaler)" in section
    assert "Silhouette: mean ± spread where the spread is known, as scored by" in section
    assert "of 7 scored (scaler, K) pairs, 6 feasible" in section


def test_why_k_names_the_k_without_a_feasible_candidate(inputs, params):
    candidates = inputs["selection_candidates"]
    six = candidates["k"] == 6
    candidates.loc[six, ["feasible", "best_at_k"]] = False
    candidates.loc[six, "verdict"] = "smallest segment 1.0% < min_segment_share 3%"
    section = _why_k(_render(inputs, params))
    assert "<td>6</td>" not in section
    assert "K = 6 not shown: no scaler gave every segment at least 3.0 % of customers." in section


def test_why_k_reads_candidates_as_loaded_from_csv(inputs, params, tmp_path):
    path = tmp_path / "selection_candidates.csv"
    inputs["selection_candidates"].to_csv(path, index=False)
    inputs["selection_candidates"] = pd.read_csv(path)
    section = _why_k(_render(inputs, params))
    assert section.count('<tr class="chosen">') == 1 and "<td>✓</td>" in section


def test_why_k_escapes_verdicts(inputs, params):
    candidates = inputs["selection_candidates"]
    candidates.loc[candidates["k"] == 5, "verdict"] = SCRIPT
    html = _render(inputs, params)
    assert SCRIPT not in html and "&lt;script&gt;" in _why_k(html)


def test_why_k_needs_the_candidate_columns(inputs, params):
    inputs["selection_candidates"] = inputs["selection_candidates"].drop(columns=["verdict"])
    with pytest.raises(InputValidationError, match="verdict"):
        _render(inputs, params)


def test_what_moved_shows_the_recommendation_the_changes_and_the_drift(inputs, params):
    html = _render(inputs, params)
    section = html[html.index('id="moved"') : html.index('id="model"')]
    assert "Recommendation: re-fit." in section
    assert "the customers shifted on monetary" in section
    assert "Changed segment" in section and "12 (10.0 %)" in section
    assert "<th>customers last run</th>" in section and "<th>PSI</th>" in section
    assert section.count("<table>") == 2 and "data:image/png;base64," in section


def test_the_first_run_says_there_is_nothing_to_compare_with_yet(inputs, params):
    inputs["monitoring_summary"] = {"recommendation": "first run", "reasons": ["no earlier run"]}
    html = _render(inputs, params)
    section = html[html.index('id="moved"') : html.index('id="model"')]
    assert "This is the first run" in section and "<table>" not in section


def test_experiments_section_compares_them_and_escapes_descriptions(inputs, params):
    html = _render(inputs, params)
    section = html.split('<h2 id="experiments">')[1].split("<h2")[0]
    assert "those of <strong>baseline</strong>" in section
    assert "<td>gaussian_mixture</td>" in section and "<td>0.420 ± 0.004</td>" in section
    assert "Gaussian mixture &lt;b&gt;wide&lt;/b&gt;" in section
    assert section.count("<table>") == 2


def test_one_experiment_says_how_to_add_others(inputs, params):
    inputs["experiment_comparison"] = inputs["experiment_comparison"].iloc[:1]
    inputs["experiment_agreement"] = inputs["experiment_agreement"].iloc[:1, :2]
    section = _render(inputs, params).split('<h2 id="experiments">')[1].split("<h2")[0]
    assert "One experiment ran (baseline)" in section and "<table>" not in section


def test_the_manager_reads_segments_first_and_the_evidence_in_an_appendix(inputs, params):
    html = _render(inputs, params)
    order = [
        html.index(marker)
        for marker in (
            'id="headline"',
            'id="segments"',
            'id="moved"',
            'id="appendix"',
            'id="model"',
            'id="experiments"',
            'id="data-quality"',
        )
    ]
    assert order == sorted(order)
    # the RFM mix is labelled as RFM, never taken for a segment name
    segments = html.split('id="segments"')[1].split('id="moved"')[0]
    mix = segments.split("RFM segment mix")[1].split("</table>")[0]
    assert "<td>RFM: " in mix


def test_profiles_use_the_readers_names_and_money_format(inputs, params):
    euro = reporting_params(
        {"formats": {"currency_symbol": "€", "currency_position": "suffix", "money_decimals": 0}}
    )
    body = _render(inputs, euro).split('id="segments"')[1].split('id="moved"')[0]
    assert "<td>net revenue</td>" in body and "<td>days between orders</td>" in body
    assert re.search(r"<td>[\d,]+ €</td>", body), "money with its symbol"
    assert "mean_days_between_purchases" not in body
