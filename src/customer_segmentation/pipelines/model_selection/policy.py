"""The selection policy: from scored candidates to one scaler and K, with the reason.

A candidate is a (scaler, K) pair the study scored. Two candidates cannot be told apart when
their mean silhouettes differ by at most ``selection.tolerance`` of the better one, or by at
most their two spreads added (their one-spread intervals overlap). Per K, the representative
is ``default_scaler`` when it cannot be told apart from the best feasible scaler at that K
(the preprocessing is not changed on a difference the evidence cannot see), else the best.
Among the representatives that cannot be told apart from the best one:

- ``largest_stable_k``: the largest K whose re-fits on resamples agree (mean ARI >=
  ``min_stability``). Between equally well separated solutions the finer one that is found
  again on other samples keeps structure the coarser one merges; an unstable K is split by
  chance, not by the data. When none is stable, the best mean silhouette.
- ``max_silhouette``: the best mean silhouette.

``forced_k`` overrides both: only that K is considered.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from customer_segmentation.pipelines.model_selection.scoring import SCORES

CANDIDATE_COLUMNS = [
    "scaler",
    "k",
    *SCORES,
    "feasible",
    "is_knee",
    "best_at_k",
    "within_tolerance",
    "stability",
    "stability_std",
    "stable",
    "trial_number",
    "verdict",
]
CHOSEN = "chosen"
RUNNER_UP = "runner-up: "


def candidate_table(
    optuna_trials: pd.DataFrame, knee_k: int | None, params: ModelSelectionParams
) -> pd.DataFrame:
    """One row per scored (scaler, K) pair: its scores, feasibility and the equivalence flags.

    Stability columns are left empty (filled by the node, which owns the re-fits). Rows are
    ordered by K, then silhouette (best first).
    """
    complete = optuna_trials[optuna_trials["state"] == "COMPLETE"]
    if params.forced_k is not None:
        complete = complete[complete["k"] == params.forced_k]
    table = (
        complete.sort_values("number", kind="stable")
        .drop_duplicates(["scaler", "k"])
        .rename(columns={"number": "trial_number"})
        .copy()
    )
    for column in SCORES:
        if column not in table:  # trials stored before the column existed
            table[column] = 0.0 if column == "silhouette_std" else np.nan
    table["k"] = table["k"].astype(int)
    table["feasible"] = table["feasible"].astype(bool)
    table["is_knee"] = table["k"] == knee_k
    table = table.sort_values(
        ["k", "silhouette", "trial_number"], ascending=[True, False, True], kind="stable"
    )
    tolerance = params.selection.tolerance
    feasible = table[table["feasible"]]
    best_rows = [
        _representative(group, params.default_scaler, tolerance)
        for _, group in feasible.groupby("k", sort=True)
    ]
    table["best_at_k"] = table.index.isin(best_rows)
    table["within_tolerance"] = False
    if best_rows:
        reps = table.loc[best_rows]
        top = reps.sort_values(
            ["silhouette", "trial_number"], ascending=[False, True], kind="stable"
        ).iloc[0]
        table.loc[best_rows, "within_tolerance"] = _equivalent(reps, top, tolerance).to_numpy()
    for column in ("stability", "stability_std"):
        table[column] = np.nan
    table["stable"] = False
    table["verdict"] = ""
    return table.reset_index(drop=True)[CANDIDATE_COLUMNS]


def _equivalent(rows: pd.DataFrame, top: pd.Series, tolerance: float) -> pd.Series:
    """Whether each row's mean silhouette cannot be told apart from ``top``'s."""
    margin = float(top["silhouette"]) - rows["silhouette"]
    allowed = np.maximum(
        tolerance * abs(float(top["silhouette"])),
        rows["silhouette_std"].fillna(0.0) + float(np.nan_to_num(top["silhouette_std"])),
    )
    return margin <= allowed + 1e-12


def _representative(group: pd.DataFrame, default_scaler: str, tolerance: float) -> Any:
    """Index of the K's representative: the default scaler if it is as good, else the best."""
    top = group.iloc[0]  # sorted by silhouette, best first
    default = group[group["scaler"] == default_scaler]
    if len(default) and bool(_equivalent(default, top, tolerance).iloc[0]):
        return default.index[0]
    return group.index[0]


def decide(candidates: pd.DataFrame, params: ModelSelectionParams) -> tuple[int, int | None]:
    """Row positions of the chosen candidate and of the runner-up (``None`` if there is none).

    ``candidates`` carries stability for the representatives within tolerance. The
    runner-up is the candidate the policy ranks next: the next smaller stable K for
    ``largest_stable_k``, else the next best mean silhouette.
    """
    reps = candidates[candidates["best_at_k"]]
    by_silhouette = reps.sort_values(
        ["silhouette", "trial_number"], ascending=[False, True], kind="stable"
    ).index.tolist()
    order = by_silhouette
    if params.selection.policy == "largest_stable_k" and params.forced_k is None:
        stable = reps[reps["within_tolerance"] & reps["stable"]]
        by_k = stable.sort_values("k", ascending=False, kind="stable").index.tolist()
        order = by_k + [i for i in by_silhouette if i not in by_k]
    if not order:
        raise ValueError("no feasible candidate")  # callers check feasibility first
    return order[0], (order[1] if len(order) > 1 else None)


def verdicts(
    candidates: pd.DataFrame, chosen: int, runner_up: int | None, params: ModelSelectionParams
) -> list[str]:
    """A short reason per candidate, in the user's words, for the table and the report."""
    out = []
    chosen_k = int(candidates.loc[chosen, "k"])
    for i, row in candidates.iterrows():
        if i == chosen:
            out.append(CHOSEN)
        elif not row["feasible"]:
            out.append(
                f"smallest segment {row['min_cluster_share']:.1%} < min_segment_share "
                f"{params.min_segment_share:.0%}"
            )
        elif not row["best_at_k"]:
            out.append(f"another scaler represents K={int(row['k'])}")
        elif not row["within_tolerance"]:
            out.append("silhouette clearly below the best")
        elif not row["stable"]:
            out.append(
                f"unstable: re-fits agree {row['stability']:.2f} < {params.selection.min_stability}"
            )
        elif params.selection.policy == "largest_stable_k" and params.forced_k is None:
            out.append(f"equally good, but K={int(row['k'])} < K={chosen_k} merges segments")
        else:
            out.append("lower mean silhouette")
        if i == runner_up:
            out[-1] = f"{RUNNER_UP}{out[-1]}"
    return out


def explain(
    candidates: pd.DataFrame, chosen: int, runner_up: int | None, params: ModelSelectionParams
) -> str:
    """One paragraph: the rule applied, the chosen K and why the runner-up lost."""
    row = candidates.loc[chosen]
    reps = candidates[candidates["best_at_k"]]
    best = reps.sort_values(["silhouette", "trial_number"], ascending=[False, True]).iloc[0]
    head = (
        f"K={int(row['k'])} ({row['scaler']}): silhouette {row['silhouette']:.3f} "
        f"± {row['silhouette_std']:.3f}"
    )
    if not np.isnan(row["stability"]):
        head += f", re-fits agree {row['stability']:.2f}"
    selection = params.selection
    if params.forced_k is not None:
        rule = f"forced K={params.forced_k} by parameter forced_k; best silhouette among feasible scalers at that K"
    elif selection.policy == "max_silhouette":
        rule = "policy max_silhouette: the highest mean silhouette among feasible candidates"
    elif row["stable"] and row["within_tolerance"]:
        rule = (
            "policy largest_stable_k: the largest K whose silhouette cannot be told apart from "
            f"the best ({best['silhouette']:.3f} at K={int(best['k'])}; within "
            f"{selection.tolerance:.0%} or the spreads) and whose re-fits agree >= "
            f"{selection.min_stability}"
        )
    else:
        rule = (
            "policy largest_stable_k found no stable candidate within tolerance; "
            "fell back to the highest mean silhouette"
        )
    text = f"{head}. Rule: {rule}."
    if row["silhouette"] < selection.weak_structure_below:
        text += (
            f" Weak structure: a silhouette below {selection.weak_structure_below} means the "
            "customers form no well-separated groups; the segments are cuts of a continuum."
        )
    if runner_up is not None:
        other = candidates.loc[runner_up]
        reason = str(other["verdict"]).removeprefix(RUNNER_UP)
        text += (
            f" Runner-up K={int(other['k'])} ({other['scaler']}, silhouette "
            f"{other['silhouette']:.3f}): {reason}."
        )
    return text


def describe(row: pd.Series) -> dict[str, Any]:
    """A candidate row as plain JSON values (for ``best_params``)."""
    out: dict[str, Any] = {"scaler": str(row["scaler"]), "k": int(row["k"])}
    for name in (
        "silhouette",
        "silhouette_std",
        "calinski_harabasz",
        "davies_bouldin",
        "min_cluster_share",
        "stability",
    ):
        value = float(row[name])
        out[name] = None if np.isnan(value) else round(value, 6)
    return out
