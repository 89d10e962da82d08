"""Nodes of ``model_selection``: choose the scaler and the number of clusters K.

Scale rule: everything here is linear in customers. The search fits on one fixed-seed
``search_sample`` (at most ``search_sample_size`` customers), the same rows for every K and
trial, and estimates silhouette on stratified samples of it (:mod:`.scoring`); stability
re-fits run on parts of it. ``clustering`` then fits the chosen model on everyone. The
choice among the scored candidates is the selection policy (:mod:`.policy`).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import NUMERIC
from customer_segmentation.parameters import as_mapping, with_changes
from customer_segmentation.pipelines.model_selection import policy
from customer_segmentation.pipelines.model_selection.params import (
    PARAMETER_GROUP,
    ModelSelectionParams,
)
from customer_segmentation.pipelines.model_selection.scoring import (
    refit_stability,
)
from customer_segmentation.pipelines.model_selection.search_sample import (
    SearchSample,
    scaled_sample,
)
from customer_segmentation.pipelines.model_selection.study import PairScorer, stored_study_name

logger = logging.getLogger(__name__)


def find_knee(k_values: list[int], inertia: list[float]) -> int | None:
    """K at the elbow of the inertia curve, by the max-distance-to-chord (Kneedle) rule.

    Both axes are scaled to [0, 1]; the chord joins the first and last points; the knee
    is the K whose point lies farthest below the chord (largest vertical gap, which ranks
    points like the perpendicular distance). ``None`` when no point lies below the chord
    (straight or concave curve, or fewer than three K values).
    """
    if len(k_values) < 3:
        return None
    x = np.asarray(k_values, dtype="float64")
    y = np.asarray(inertia, dtype="float64")
    x = (x - x[0]) / (x[-1] - x[0])
    span = y.max() - y.min()
    if span == 0:
        return None
    y = (y - y.min()) / span
    gap = (y[0] + (y[-1] - y[0]) * x) - y
    best = int(np.argmax(gap))
    return int(k_values[best]) if gap[best] > 1e-12 else None


def apply_experiment(params: ModelSelectionParams, experiment: Any) -> ModelSelectionParams:
    """The search settings with one experiment's changes (its ``model_selection:`` keys).

    The experiments' changes are checked before the run starts (``ParameterCheckHook``).
    """
    changes = as_mapping(experiment).get("model_selection") or {}
    return ModelSelectionParams.model_validate(with_changes(params.model_dump(), changes))


def score_k_grid(sample: SearchSample, params: ModelSelectionParams) -> pd.DataFrame:
    """Scores of every K in the grid with the default scaler, and the inertia knee."""
    pairs = [(params.default_scaler, k) for k in params.k_values]
    scored = PairScorer(sample, params).many(pairs)
    rows = []
    for (_, k), scores in scored.items():
        if isinstance(scores, ValueError):
            raise scores
        rows.append({"k": k, **scores})
    grid = pd.DataFrame(rows)[
        ["k", "inertia", "silhouette", "silhouette_std", "calinski_harabasz", "davies_bouldin"]
    ]
    knee = find_knee(grid["k"].tolist(), grid["inertia"].tolist())
    grid["is_knee"] = grid["k"] == knee
    logger.info("K grid (%s scaler): knee at K=%s", params.default_scaler, knee)
    return grid


def assess_candidates(
    optuna_trials: pd.DataFrame,
    k_grid_scores: pd.DataFrame,
    sample: SearchSample,
    params: ModelSelectionParams,
) -> pd.DataFrame:
    """The candidates table: every scored (scaler, K) pair, its evidence and the verdict.

    One row per pair (see :func:`.policy.candidate_table`), the inertia knee of the K grid
    marked, stability measured by re-fits on resamples for the best scaler of each K that
    cannot be told apart from the best silhouette (:func:`.scoring.refit_stability`; the
    others cannot win, so their re-fits are skipped), and a verdict per row saying why it
    was or was not chosen. Raises when no trial meets ``min_segment_share``.
    """
    knee = k_grid_scores.loc[k_grid_scores["is_knee"].astype(bool), "k"]
    table = policy.candidate_table(optuna_trials, int(knee.iloc[0]) if len(knee) else None, params)
    if not table["feasible"].any():
        raise InputValidationError(
            f"none of the {len(table)} scored candidates gives every cluster at least "
            f"{params.min_segment_share:.1%} of customers (best: "
            f"{table['min_cluster_share'].max():.1%})",
            "lower min_segment_share or k_range.max",
            parameter=f"{PARAMETER_GROUP}.min_segment_share",
        )
    selection = params.selection
    scaled: dict[str, np.ndarray] = {}
    with threadpool_limits(limits=params.n_threads):
        for i in table.index[table["within_tolerance"]]:
            scaler, k = str(table.at[i, "scaler"]), int(table.at[i, "k"])
            if scaler not in scaled:
                scaled[scaler] = scaled_sample(sample, scaler, params)
            mean, spread = refit_stability(
                scaled[scaler],
                k,
                params.kmeans,
                selection,
                params.sampling.seed,
                algorithm=params.algorithm,
            )
            table.loc[i, ["stability", "stability_std"]] = [mean, spread]
    table["stable"] = table["stability"].fillna(-np.inf) >= selection.min_stability
    chosen, runner_up = policy.decide(table, params)
    table["verdict"] = policy.verdicts(table, chosen, runner_up, params)
    if table.at[chosen, "silhouette"] < selection.weak_structure_below:
        logger.warning(
            "The chosen segments are weakly separated (silhouette %.3f < %s): the customers "
            "form no well-separated groups",
            table.at[chosen, "silhouette"],
            selection.weak_structure_below,
        )
    logger.info(
        "Selection (%s): K=%d with %s; %s",
        selection.policy,
        table.at[chosen, "k"],
        table.at[chosen, "scaler"],
        "no runner-up" if runner_up is None else table.at[runner_up, "verdict"],
    )
    return table


def select_best_params(
    selection_candidates: pd.DataFrame, sample: SearchSample, params: ModelSelectionParams
) -> dict[str, Any]:
    """The chosen scaler and K with their scores, the rule applied and the runner-up."""
    table = selection_candidates
    chosen = table.index[table["verdict"] == policy.CHOSEN][0]
    runner = table.index[table["verdict"].str.startswith(policy.RUNNER_UP)]
    runner_up = runner[0] if len(runner) else None
    best = table.loc[chosen]
    return {
        **policy.describe(best),
        "trial_number": int(best["trial_number"]),
        "reason": policy.explain(table, chosen, runner_up, params),
        "policy": params.selection.policy,
        "forced_k": params.forced_k,
        "runner_up": None
        if runner_up is None
        else {
            **policy.describe(table.loc[runner_up]),
            "why_not": str(table.at[runner_up, "verdict"]).removeprefix(policy.RUNNER_UP),
        },
        "study_name": stored_study_name(sample, params),
        "n_candidates": len(table),
        "n_feasible_candidates": int(table["feasible"].sum()),
        "min_segment_share": params.min_segment_share,
        "scoring_space": params.scoring_space,
        "algorithm": params.algorithm.model_dump(),
        "features": list(sample.features),
        **_mixed_description(sample),
        "n_customers": sample.n_customers,
        "search_sample_size": len(sample.values),
        "silhouette_sample_size": min(len(sample.values), params.sampling.silhouette_sample_size),
        "silhouette_samples": params.sampling.silhouette_samples,
    }


def _mixed_description(sample: SearchSample) -> dict[str, Any]:
    """Numeric/categorical split for ``best_params`` (mixed input only)."""
    if sample.spec is None or not sample.spec.mixed:
        return {}
    return {
        "numeric_features": list(sample.spec.numeric),
        "categorical_features": list(sample.spec.categorical),
        "scaler_applies_to": NUMERIC,
    }
