"""The report's "Why K = n" section: the candidates, the chosen one, the runner-up and the
selection rule, in the analyst's words."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from .cells import MISSING, fmt_int, fmt_pct, fmt_score, fmt_value
from .model_space import STANDARDIZED
from .segments import require_columns
from .summary import CANDIDATE_COLUMNS

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


def why_k(summary: dict[str, Any], selection_candidates: pd.DataFrame) -> dict[str, Any]:
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
