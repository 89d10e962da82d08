"""The self-contained HTML report: context from the reporting tables, rendered with Jinja2.

The template ships in the package (``templates/report.html.j2``) and is rendered with
autoescaping on, so names that come from data (segments, RFM segments, rejection reasons,
columns) cannot inject markup. Images are embedded as base64 PNG, each segment's customers as a
CSV ``data:`` link, and the interactive charts with plotly.js written inline: the report loads
nothing from elsewhere and opens offline.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2
import pandas as pd

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import CATEGORY_SEPARATOR

from .campaigns import campaigns_context
from .cells import MISSING, fmt_int, fmt_p, fmt_pct, fmt_score, fmt_value, table
from .charts import plotly_script
from .churn_propensity import churn_context
from .customer_list import LIST_FILE, segment_downloads
from .customer_value import customer_value_context
from .experiments import experiments_compared
from .figures import FIGURE_NAMES
from .moved import what_moved
from .params import ReportingParams
from .segments import require_columns, require_keys, segment_index
from .tables import CATEGORY_SHARE_SUFFIX, RFM_MIX_PREFIX
from .why_k import why_k

TEMPLATE = "report.html.j2"


@lru_cache(maxsize=1)
def template_environment() -> jinja2.Environment:
    """Jinja2 environment over the package's templates, autoescaping every template."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("customer_segmentation.pipelines.reporting", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _split_actions(actions: Any) -> list[str]:
    """The "; "-joined actions as a list; none when missing."""
    if not isinstance(actions, str):
        return []
    return [a.strip() for a in actions.split("; ") if a.strip()]


def _amount(feature: str, value: Any, params: ReportingParams) -> str:
    """A profile value in the reader's format (``reporting.formats``): money, share or number."""
    if value is None or pd.isna(value):
        return MISSING
    return params.formats.amount(feature, float(value))


def _segment_sections(
    profiles: pd.DataFrame,
    actions: pd.DataFrame,
    stability: pd.DataFrame,
    *,
    overall: dict[str, dict[str, float]],
    downloads: dict[int, dict[str, str]],
    params: ReportingParams,
) -> list[dict[str, Any]]:
    labels = segment_index(profiles, "segment_profiles").set_index("cluster")["label"]
    features = [f for f in params.profile_features if f"{f}_mean" in profiles]
    share_columns = _category_share_columns(profiles, params)
    mix_columns = [c for c in profiles.columns if str(c).startswith(RFM_MIX_PREFIX)]
    actions_by_cluster = actions.set_index("cluster")
    stability_by_cluster = stability.set_index("cluster")
    sections = []
    for row in profiles.to_dict(orient="records"):
        cluster = row["cluster"]
        action = actions_by_cluster.loc[cluster] if cluster in actions_by_cluster.index else None
        stable = (
            stability_by_cluster.loc[cluster] if cluster in stability_by_cluster.index else None
        )
        mix = sorted(
            ((str(c)[len(RFM_MIX_PREFIX) :], row[c]) for c in mix_columns),
            key=lambda item: -item[1],
        )
        sections.append(
            {
                "cluster": int(cluster),
                "name": labels.loc[cluster],
                "customers": fmt_int(row["customers"]),
                "customer_share": fmt_pct(row["customer_share"]),
                "revenue_share": fmt_pct(row["revenue_share"]) if "revenue_share" in row else None,
                "download": downloads.get(int(cluster)),
                "goal": str(action["goal"]) if action is not None else "No goal defined",
                "actions": _split_actions(action["actions"] if action is not None else None),
                "jaccard": fmt_value(stable["jaccard_mean"]) if stable is not None else MISSING,
                "unstable": bool(stable["unstable"]) if stable is not None else None,
                "profile": [
                    [
                        params.label(f),
                        params.unit(f),
                        _amount(f, row[f"{f}_mean"], params),
                        _amount(f, row[f"{f}_median"], params),
                        _amount(f, overall.get(f, {}).get("median"), params),
                    ]
                    for f in features
                ],
                "categories": [
                    [
                        feature,
                        category,
                        fmt_pct(row[column]),
                        fmt_pct(overall.get(feature, {}).get("shares", {}).get(category)),
                    ]
                    for feature, category, column in share_columns
                ],
                # "RFM: Champions": the RFM rule's label, never taken for a segment's name
                "rfm_mix": [[f"RFM: {name}", fmt_pct(share)] for name, share in mix if share > 0],
            }
        )
    return sections


def _category_share_columns(
    profiles: pd.DataFrame, params: ReportingParams
) -> list[tuple[str, str, str]]:
    """(feature, category, column) of every category-share column, in profile order."""
    found = []
    for feature in params.profile_features:
        prefix = f"{feature}{CATEGORY_SEPARATOR}"
        for column in profiles.columns:
            name = str(column)
            if name.startswith(prefix) and name.endswith(CATEGORY_SHARE_SUFFIX):
                found.append((feature, name[len(prefix) : -len(CATEGORY_SHARE_SUFFIX)], name))
    return found


def _is_customer_table(quality: dict[str, Any]) -> bool:
    """The data-quality summary of the customer_table pipeline (rows, not invoice lines)."""
    return "raw_rows" in quality


def _headline(summary: dict[str, Any]) -> list[tuple[str, str]]:
    quality, stability = summary["data_quality"], summary["stability"]
    if _is_customer_table(quality):
        raw, rejected = quality.get("raw_rows") or 0, quality.get("rejected_rows")
        read_label, rejected_label = "Customer rows read", "Rows rejected"
    else:
        raw, rejected = quality.get("raw_lines") or 0, quality.get("rejected_lines")
        read_label, rejected_label = "Invoice lines read", "Lines rejected"
    items = [
        ("Customers segmented", fmt_int(summary["customers_segmented"])),
        ("Segments (K)", fmt_int(summary["k"])),
        ("Scaler", str(summary["scaler"])),
        ("Silhouette", fmt_score(summary.get("silhouette"), summary.get("silhouette_std"))),
        ("Stability (mean ARI)", fmt_value(stability.get("mean_ari"))),
        (read_label, fmt_int(raw)),
        (rejected_label, f"{fmt_int(rejected)} ({fmt_pct(rejected / raw if raw else None)})"),
    ]
    if "revenue_total" in summary:
        items.insert(1, ("Net revenue", fmt_value(summary["revenue_total"])))
    return items


def _model_rows(summary: dict[str, Any]) -> list[list[str]]:
    """The "Selected model" table: K, scaler and the scores of the choice."""
    rows = [
        ["K", fmt_value(summary.get("k"))],
        ["scaler", fmt_value(summary.get("scaler"))],
        ["silhouette", fmt_score(summary.get("silhouette"), summary.get("silhouette_std"))],
        ["Calinski-Harabasz", fmt_value(summary.get("calinski_harabasz"))],
        ["Davies-Bouldin", fmt_score(summary.get("davies_bouldin"))],
        ["smallest segment share", fmt_pct(summary.get("min_cluster_share"))],
    ]
    if summary.get("selection_stability") is not None:
        rows.append(
            ["stability of the choice (re-fits)", fmt_score(summary["selection_stability"])]
        )
    if summary.get("policy") is not None:
        rows.append(["selection policy", str(summary["policy"])])
    return rows


def _data_quality(quality: dict[str, Any]) -> dict[str, Any]:
    customer_table = _is_customer_table(quality)
    unit = "rows" if customer_table else "lines"
    names = (
        [("raw rows", "raw_rows"), ("kept rows", "kept_rows"), ("rejected rows", "rejected_rows")]
        if customer_table
        else [
            ("raw lines", "raw_lines"),
            ("clean lines", "clean_lines"),
            ("rejected lines", "rejected_lines"),
            ("return lines", "return_lines"),
        ]
    )
    raw = quality.get(names[0][1]) or 0
    share = (lambda v: fmt_pct(v / raw)) if raw else (lambda v: MISSING)
    counts = [
        [label, fmt_int(quality.get(key)), share(quality.get(key) or 0)] for label, key in names
    ]
    counts.append(["customers", fmt_int(quality.get("customers")), ""])
    reasons = sorted((quality.get("rejected_by_reason") or {}).items(), key=lambda kv: -kv[1])
    dataset = quality.get("dataset") or MISSING
    if customer_table:
        period = None
        intro = f"Customer rows from {dataset} (one row per customer)."
    else:
        period = (
            f"{quality.get('first_invoice') or MISSING} to {quality.get('last_invoice') or MISSING}"
        )
        intro = f"Invoice lines from {dataset}, {period}."
    missing = quality.get("missing_values") or {}
    kept = quality.get("kept_rows") or 0
    return {
        "dataset": dataset,
        "period": period,
        "intro": intro,
        "unit": unit,
        "counts": counts,
        "reasons": [[str(reason), fmt_int(count), share(count)] for reason, count in reasons],
        "missing": [
            [str(column), fmt_int(count), fmt_pct(count / kept) if kept else MISSING]
            for column, count in missing.items()
            if count
        ],
    }


def render_html_report(
    *,
    segment_summary: dict[str, Any],
    segment_profiles: pd.DataFrame,
    feature_tests: pd.DataFrame,
    segment_actions: pd.DataFrame,
    segment_stability: pd.DataFrame,
    k_grid_scores: pd.DataFrame,
    selection_candidates: pd.DataFrame,
    monitoring_summary: dict[str, Any],
    segment_changes: pd.DataFrame,
    feature_drift: pd.DataFrame,
    experiment_comparison: pd.DataFrame,
    experiment_agreement: pd.DataFrame,
    customer_list: pd.DataFrame,
    report_charts: dict[str, str],
    params: ReportingParams,
    customer_value_segments: pd.DataFrame | None = None,
    customer_value_validation: pd.DataFrame | None = None,
    customer_value_model: dict[str, Any] | None = None,
    campaign_lift: pd.DataFrame | None = None,
    churn_segments: pd.DataFrame | None = None,
    churn_metrics: dict[str, Any] | None = None,
    churn_calibration: pd.DataFrame | None = None,
    churn_targets: pd.DataFrame | None = None,
    **figures: str,
) -> str:
    """The report as one HTML string; ``figures`` are base64 PNGs named as in FIGURE_NAMES.

    ``selection_candidates`` (every scored scaler and K with the policy's verdict) feeds the
    "Why K = n" section; ``monitoring``'s outputs the "What moved since the last run"
    section; the experiments' comparison the "Experiments compared" section (shown when
    more than one experiment ran); ``customer_list`` each segment card's CSV link;
    ``report_charts`` the interactive charts that stand in for figures of the same name;
    ``customer_value``'s outputs the "Customer value" section and ``churn_propensity``'s the
    "Churn risk" section (``None`` where they did not run); ``campaigns``' ``campaign_lift``
    the "Campaigns" section (``None`` or empty: a note).
    Keyword-only: the node maps every input by name.
    """
    if set(figures) != set(FIGURE_NAMES):
        raise TypeError(
            f"render_html_report needs figures {sorted(FIGURE_NAMES)}, got {sorted(figures)}"
        )
    require_keys(segment_summary, ["k", "scaler", "stability", "data_quality"], "segment_summary")
    require_columns(segment_actions, ["cluster", "goal", "actions"], "segment_actions")
    require_columns(segment_stability, ["cluster", "jaccard_mean", "unstable"], "segment_stability")
    if not isinstance(segment_summary["data_quality"], dict):
        raise InputValidationError(
            "data_quality is not a mapping", "rebuild segment_summary", dataset="segment_summary"
        )
    require_columns(k_grid_scores, ["k"], "k_grid_scores")
    require_columns(feature_tests, ["separates", "anova_p", "kruskal_p"], "feature_tests")
    grid = k_grid_scores.sort_values("k").assign(selected=lambda g: g["k"] == segment_summary["k"])
    threshold = params.significance_level / max(len(feature_tests), 1)
    context = {
        "title": params.title,
        "summary": segment_summary,
        "headline": _headline(segment_summary),
        "segments": _segment_sections(
            segment_profiles,
            segment_actions,
            segment_stability,
            overall=segment_summary.get("overall_profile") or {},
            downloads=segment_downloads(customer_list, params),
            params=params,
        ),
        "list_file": LIST_FILE,
        "model": _model_rows(segment_summary),
        "why_k": why_k(segment_summary, selection_candidates),
        "moved": what_moved(monitoring_summary, segment_changes, feature_drift),
        "experiments": experiments_compared(experiment_comparison, experiment_agreement),
        "customer_value": customer_value_context(
            customer_value_segments, customer_value_validation, customer_value_model, params
        ),
        "campaigns": campaigns_context(campaign_lift),
        "churn": churn_context(
            churn_segments, churn_metrics, churn_calibration, churn_targets, params
        ),
        "k_grid": table(grid),
        "scoring_space": segment_summary.get("scoring_space"),
        "stability": segment_summary["stability"],
        "stability_table": table(
            segment_stability.merge(
                segment_index(segment_profiles, "segment_profiles")[["cluster", "label"]],
                on="cluster",
                how="left",
            )[["cluster", "label", "jaccard_mean", "unstable"]].rename(columns={"label": "segment"})
        ),
        "tests": table(feature_tests, {"anova_p": fmt_p, "kruskal_p": fmt_p, "chi2_p": fmt_p}),
        "tests_separating": int(feature_tests["separates"].sum()),
        "tests_categorical": "chi2_p" in feature_tests,
        "tests_threshold": f"{threshold:.2g}",
        "significance_level": f"{params.significance_level:g}",
        "min_effect_size": f"{params.min_effect_size:g}",
        "quality": _data_quality(segment_summary["data_quality"]),
        "figures": figures,
        "charts": report_charts,
        "plotly_js": plotly_script() if report_charts else None,
        "fmt_value": fmt_value,
    }
    return template_environment().get_template(TEMPLATE).render(context)
