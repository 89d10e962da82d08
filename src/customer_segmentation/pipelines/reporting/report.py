"""The self-contained HTML report: context from the reporting tables, rendered with Jinja2.

The template ships in the package (``templates/report.html.j2``) and is rendered with
autoescaping on, so names that come from data (segments, RFM segments, rejection reasons,
columns) cannot inject markup. Images are embedded as base64 PNG; there are no external links.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import jinja2
import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import CATEGORY_SEPARATOR

from .figures import FIGURE_NAMES, STANDARDIZED
from .params import ReportingParams
from .plots import format_spread
from .segments import require_columns, require_keys, segment_index
from .summary import CANDIDATE_COLUMNS
from .tables import CATEGORY_SHARE_SUFFIX, RFM_MIX_PREFIX

TEMPLATE = "report.html.j2"
MISSING = "–"
CHOSEN = "chosen"
RUNNER_UP = "runner-up: "
#: The selection policies of model_selection, in the analyst's words.
POLICY_RULES = {
    "largest_stable_k": (
        "take the largest K whose silhouette cannot be told apart from the best one and whose "
        "segments come back when the model is re-fitted on other samples of customers"
    ),
    "max_silhouette": "take the K with the highest mean silhouette",
}
CANDIDATE_HEADERS = [
    "K",
    "scaler",
    "silhouette ↑",
    "Calinski-Harabasz ↑",
    "Davies-Bouldin ↓",
    "smallest segment",
    "knee",
    "stability ↑",
    "verdict",
]


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


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float | np.floating) and not math.isfinite(value))


def fmt_int(value: Any) -> str:
    """``12,345``; a dash when missing."""
    return MISSING if _missing(value) else f"{int(value):,}"


def fmt_pct(value: Any) -> str:
    """A 0-1 share as ``12.3 %``; a dash when missing."""
    return MISSING if _missing(value) else f"{float(value) * 100:.1f} %"


def fmt_value(value: Any) -> str:
    """Any cell: yes/no, thousands separators, fewer decimals for big numbers, e-notation tiny."""
    if _missing(value):
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        value = float(value)
        if value != 0 and abs(value) < 1e-3:
            return f"{value:.2e}"
        decimals = 0 if abs(value) >= 1000 else 2 if abs(value) >= 10 else 3
        return f"{value:,.{decimals}f}"
    return str(value)


def fmt_score(value: Any, spread: Any = None) -> str:
    """A score with 3 decimals, ``± spread`` when the spread is known: ``0.431 ± 0.004``."""
    if _missing(value):
        return MISSING
    text = f"{float(value):.3f}"
    return text if _missing(spread) else f"{text} ± {format_spread(spread)}"


def fmt_p(value: Any) -> str:
    """A p-value; one that underflowed to 0 reads ``< 1e-300``."""
    if _missing(value):
        return MISSING
    return "< 1e-300" if float(value) == 0 else fmt_value(float(value))


def table(
    frame: pd.DataFrame, formats: dict[str, Callable[[Any], str]] | None = None
) -> dict[str, Any]:
    """Columns and rows of text cells for the template's table macro."""
    formats = formats or {}
    rows = [
        [
            formats.get(column, fmt_value)(value)
            for column, value in zip(frame.columns, row, strict=True)
        ]
        for row in frame.itertuples(index=False, name=None)
    ]
    return {"columns": [str(c) for c in frame.columns], "rows": rows}


def _split_actions(actions: Any) -> list[str]:
    """The "; "-joined actions as a list; none when missing."""
    if not isinstance(actions, str):
        return []
    return [a.strip() for a in actions.split("; ") if a.strip()]


def _segment_sections(
    profiles: pd.DataFrame,
    actions: pd.DataFrame,
    stability: pd.DataFrame,
    overall: dict[str, dict[str, float]],
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
                "goal": str(action["goal"]) if action is not None else "No goal defined",
                "actions": _split_actions(action["actions"] if action is not None else None),
                "jaccard": fmt_value(stable["jaccard_mean"]) if stable is not None else MISSING,
                "unstable": bool(stable["unstable"]) if stable is not None else None,
                "profile": [
                    [
                        f,
                        params.unit(f),
                        fmt_value(row[f"{f}_mean"]),
                        fmt_value(row[f"{f}_median"]),
                        fmt_value(overall.get(f, {}).get("median")),
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
                "rfm_mix": [[name, fmt_pct(share)] for name, share in mix if share > 0],
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


def _number(value: Any) -> float | None:
    """A finite float, or None (missing, NaN, not a number)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _flag(value: Any) -> bool:
    """A bool column cell as written by pandas or read back from CSV (``True``/``"True"``)."""
    return str(value).strip().lower() in {"true", "1", "1.0", "yes"}


def _chosen_position(candidates: pd.DataFrame, summary: dict[str, Any]) -> Any:
    """Index of the chosen row: verdict ``chosen``, else the summary's K and scaler."""
    chosen = candidates.index[candidates["verdict"].astype(str) == CHOSEN]
    if not len(chosen):
        chosen = candidates.index[
            (candidates["k"] == summary["k"])
            & (candidates["scaler"].astype(str) == str(summary["scaler"]))
        ]
    return chosen[0] if len(chosen) else None


def _candidate_row(row: pd.Series) -> list[str]:
    def get(name: str) -> Any:
        return row.get(name)

    return [
        fmt_int(get("k")),
        str(get("scaler")),
        fmt_score(get("silhouette"), get("silhouette_std")),
        fmt_value(_number(get("calinski_harabasz"))),
        fmt_score(get("davies_bouldin")),
        fmt_pct(_number(get("min_cluster_share"))),
        "✓" if _flag(get("is_knee")) else "",
        fmt_score(_number(get("stability")), _number(get("stability_std"))),
        str(get("verdict")),
    ]


def _runner_up(summary: dict[str, Any], candidates: pd.DataFrame) -> dict[str, Any] | None:
    """The runner-up from the summary (best_params), else the candidates' ``runner-up`` row."""
    runner = summary.get("runner_up")
    if isinstance(runner, dict) and runner.get("k") is not None:
        return runner
    rows = candidates[candidates["verdict"].astype(str).str.startswith(RUNNER_UP)]
    if rows.empty:
        return None
    row = rows.iloc[0]
    return {**{key: row.get(key) for key in row.index}, "why_not": row["verdict"]}


def _runner_up_text(runner: dict[str, Any] | None, summary: dict[str, Any]) -> str:
    if runner is None:
        if summary.get("forced_k") is not None:
            return (
                f"none: K was fixed to {summary['forced_k']} by the forced_k parameter, so only "
                "the scalers at that K were compared."
            )
        return "none: no other K gave a feasible segmentation."
    stability = _number(runner.get("stability"))
    why = str(runner.get("why_not") or MISSING).removeprefix(RUNNER_UP)
    return (
        f"K = {fmt_int(runner.get('k'))} ({runner.get('scaler')} scaler), silhouette "
        f"{fmt_score(runner.get('silhouette'), runner.get('silhouette_std'))}"
        + ("" if stability is None else f", stability {fmt_score(stability)}")
        + f". Why it lost: {why}."
    )


def _rule_text(summary: dict[str, Any]) -> str | None:
    policy, forced = summary.get("policy"), summary.get("forced_k")
    if forced is not None:
        return f"K fixed to {forced} by the forced_k parameter; the best scaler at that K."
    if policy is None:
        return None
    rule = POLICY_RULES.get(str(policy))
    return f"{policy}: {rule}." if rule else f"{policy}."


def _silhouette_note(summary: dict[str, Any]) -> str:
    """How the silhouette was measured, in one line."""
    space = summary.get("scoring_space")
    where = {
        STANDARDIZED: "scored on standardized features (z-scores of the model features), "
        "the same scale for every scaler",
        "scaled": "scored in each scaler's own scaled features",
    }.get(str(space), "as scored by the model selection")
    samples, size = summary.get("silhouette_samples"), summary.get("silhouette_sample_size")
    if samples is None or size is None:
        return f"Silhouette: mean ± spread where the spread is known, {where}."
    search = summary.get("search_sample_size")
    if search is not None and search <= size:
        return (
            f"Silhouette: the mean over all {fmt_int(search)} customers ± its standard error "
            f"(how much another sample of as many customers would move it), {where}."
        )
    of = f" of the search sample ({fmt_int(search)} customers)" if search is not None else ""
    return (
        f"Silhouette: mean over {fmt_int(samples)} samples of {fmt_int(size)} customers{of}, "
        "each stratified per segment so small segments count; ± is how much it moves from "
        f"one sample of that many customers to another, {where}."
    )


def _why_k(summary: dict[str, Any], selection_candidates: pd.DataFrame) -> dict[str, Any]:
    """The "Why K = n" section: the rule, one row per K representative, the runner-up."""
    require_columns(selection_candidates, CANDIDATE_COLUMNS, "selection_candidates")
    candidates = selection_candidates.reset_index(drop=True)
    chosen = _chosen_position(candidates, summary)
    shown = candidates[candidates["best_at_k"].map(_flag) | (candidates.index == chosen)]
    shown = shown.sort_values("k", kind="stable")
    hidden = sorted(set(candidates["k"].astype(int)) - set(shown["k"].astype(int)))
    share = summary.get("min_segment_share")
    n_candidates = summary.get("n_candidates") or len(candidates)
    n_feasible = summary.get("n_feasible_candidates")
    if n_feasible is None and "feasible" in candidates:
        n_feasible = int(candidates["feasible"].map(_flag).sum())
    return {
        "k": summary["k"],
        "rule": _rule_text(summary),
        "reason": summary.get("selection_reason"),
        "table": {
            "columns": CANDIDATE_HEADERS,
            "rows": [_candidate_row(row) for _, row in shown.iterrows()],
            "chosen": [index == chosen for index in shown.index],
        },
        "runner_up": _runner_up_text(_runner_up(summary, candidates), summary),
        "silhouette_note": _silhouette_note(summary),
        "hidden": (
            f"K = {', '.join(map(str, hidden))} not shown: no scaler gave every segment at "
            f"least {fmt_pct(share) if share is not None else 'the minimum share'} of customers."
            if hidden
            else None
        ),
        "counts": (
            f"One row per K (its representative scaler) of {fmt_int(n_candidates)} scored "
            f"(scaler, K) pairs"
            + (f", {fmt_int(n_feasible)} feasible" if n_feasible is not None else "")
            + "; the workbook sheet model_selection lists them all."
        ),
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
    params: ReportingParams,
    **figures: str,
) -> str:
    """The report as one HTML string; ``figures`` are base64 PNGs named as in FIGURE_NAMES.

    ``selection_candidates`` (every scored scaler and K with the policy's verdict) feeds the
    "Why K = n" section. Keyword-only: the node maps every input by name.
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
            segment_summary.get("overall_profile") or {},
            params,
        ),
        "model": _model_rows(segment_summary),
        "why_k": _why_k(segment_summary, selection_candidates),
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
        "fmt_value": fmt_value,
    }
    return template_environment().get_template(TEMPLATE).render(context)
