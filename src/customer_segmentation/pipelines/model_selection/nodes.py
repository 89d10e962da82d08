"""Nodes of ``model_selection``: choose the scaler and the number of clusters K.

Scale rule: everything here is linear in customers. The search fits on one fixed-seed
``search_sample`` (at most ``search_sample_size`` customers), the same rows for every K and
trial, and estimates silhouette on stratified samples of it (:mod:`.scoring`); stability
re-fits run on parts of it. ``clustering`` then fits the chosen model on everyone. The
choice among the scored candidates is the selection policy (:mod:`.policy`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from threadpoolctl import threadpool_limits

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import (
    ID_COLUMN,
    NUMERIC,
    PASSTHROUGH,
    FeatureSpec,
    build_preprocessor,
    fit_transform_scaler,
    model_input_spec,
    sample_positions,
)
from customer_segmentation.pipelines.model_selection import policy
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from customer_segmentation.pipelines.model_selection.scoring import (
    SCORES,
    evaluate_clustering,
    refit_stability,
)

logger = logging.getLogger(__name__)

PARAMETER_GROUP = "model_selection"
TRIAL_COLUMNS = ["number", "scaler", "k", *SCORES, "duration_s", "state", "feasible", "cached"]
RESULT_ATTR = "result"


@dataclass(frozen=True)
class SearchSample:
    """The fixed-seed rows the search runs on.

    ``values`` holds the numeric features of the search sample (model-input units; imputed
    on mixed input), the part every trial's scaler transforms; ``encoded`` the one-hot
    categorical columns (times ``categorical_weight``; no columns on the numeric-only path),
    appended unscaled. ``features`` are all model features in ``model_input`` order.
    """

    features: list[str]
    customer_ids: np.ndarray
    values: np.ndarray
    n_customers: int
    encoded: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    spec: FeatureSpec | None = None


def draw_search_sample(
    model_input: pd.DataFrame,
    params: ModelSelectionParams,
    feature_transforms: dict[str, Any] | None = None,
) -> SearchSample:
    """Validate ``model_input`` and draw the fixed-seed search sample.

    With ``sampling.seed`` fixed, the same customers give the same rows whatever their
    order. At most ``search_sample_size`` customers are kept (all when fewer; the parameter
    model makes it at least ``k_range.max``). Raises when ``model_input`` holds no more
    customers than ``k_range.max`` (the K grid fits every K of the range).

    ``feature_transforms`` tells numeric from categorical features (see
    :mod:`customer_segmentation.model.spec`). On mixed input the sample's numeric features are imputed and its
    categorical features one-hot encoded here, once, by the model's own preprocessing fitted
    on the sample (no scaling); each trial then scales the numeric part only.
    """
    frame, spec = model_input_spec(model_input, feature_transforms)
    largest_k = params.k_range.max  # the K grid fits every K of k_range, even with forced_k
    if len(frame) <= largest_k:  # silhouette needs more customers than clusters
        raise InputValidationError(
            f"has {len(frame)} customers; the largest K {largest_k} needs at least "
            f"{largest_k + 1} (silhouette compares each customer with the other segments)",
            f"lower k_range.max to at most {len(frame) - 1} or provide more customers",
            dataset="model_input",
            parameter=f"{PARAMETER_GROUP}.k_range.max",
        )
    sampling = params.sampling
    search_rows = sample_positions(len(frame), sampling.search_sample_size, sampling.seed)
    features = list(spec.features)
    encoded = np.empty((len(search_rows), 0))
    if spec.mixed:
        rows = frame.iloc[search_rows][features]
        block = build_preprocessor(spec, PASSTHROUGH).fit(rows).transform(rows)
        block = np.asarray(block, dtype="float64")
        values, encoded = block[:, : len(spec.numeric)], block[:, len(spec.numeric) :]
    else:
        values = frame[features].to_numpy(dtype="float64")[search_rows]
    return SearchSample(
        features=features,
        customer_ids=frame[ID_COLUMN].to_numpy(dtype=str)[search_rows],
        values=np.ascontiguousarray(values),
        n_customers=len(frame),
        encoded=np.ascontiguousarray(encoded),
        spec=spec,
    )


def scoring_values(sample: SearchSample, params: ModelSelectionParams) -> np.ndarray | None:
    """The space every trial is scored in: ``None`` = each trial's own scaled space.

    ``scoring_space: standardized`` scores all trials on the z-scored search sample, one
    fixed geometry, so scores compare across scalers: in its own space a scaler that
    stretches one feature (robust on a mostly-zero ``return_rate``) makes the data nearly
    one-dimensional and earns a high but meaningless silhouette.
    """
    if params.scoring_space == "scaled":
        return None
    return _scaled_sample(sample, "standard", params)


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


def score_k_grid(sample: SearchSample, params: ModelSelectionParams) -> pd.DataFrame:
    """Scores of every K in the grid with the default scaler, and the inertia knee."""
    with threadpool_limits(limits=params.n_threads):
        scaled = _scaled_sample(sample, params.default_scaler, params)
        reference = scoring_values(sample, params)
        rows = [
            {
                "k": k,
                **evaluate_clustering(scaled, k, params.kmeans, params.sampling, reference),
            }
            for k in params.k_values
        ]
    grid = pd.DataFrame(rows)[
        ["k", "inertia", "silhouette", "silhouette_std", "calinski_harabasz", "davies_bouldin"]
    ]
    knee = find_knee(grid["k"].tolist(), grid["inertia"].tolist())
    grid["is_knee"] = grid["k"] == knee
    logger.info("K grid (%s scaler): knee at K=%s", params.default_scaler, knee)
    return grid


def _scaled_sample(sample: SearchSample, scaler: str, params: ModelSelectionParams) -> np.ndarray:
    """The search sample as the model sees it with ``scaler`` fitted on it.

    The scaler transforms the numeric features; the encoded categorical columns (mixed input)
    are appended as they are, like the ``preprocess`` step of the final model.
    """
    scaled = sample.values
    if sample.values.shape[1]:
        _, scaled = fit_transform_scaler(scaler, sample.values, params.kmeans.random_state)
    if sample.encoded.shape[1]:
        scaled = np.hstack([np.asarray(scaled, dtype="float64"), sample.encoded])
    return np.ascontiguousarray(scaled, dtype="float64")


def sample_fingerprint(sample: SearchSample, params: ModelSelectionParams) -> str:
    """Hash of the search sample and of every setting that changes a trial's result.

    ``n_trials``, ``timeout_s``, the storage and study name are left out: changing them
    continues the same study.
    """
    digest = hashlib.sha256()
    digest.update(np.ascontiguousarray(sample.values).tobytes())
    digest.update("\n".join(sample.customer_ids.tolist()).encode())
    relevant = params.search_settings()
    if sample.spec is not None and sample.spec.mixed:
        # Only on mixed input, so numeric-only studies keep their stored names.
        digest.update(np.ascontiguousarray(sample.encoded).tobytes())
        relevant["preprocessing"] = sample.spec.describe()
    digest.update(json.dumps([sample.features, relevant], sort_keys=True).encode())
    return digest.hexdigest()[:16]


def stored_study_name(sample: SearchSample, params: ModelSelectionParams) -> str:
    """``<study_name>-<fingerprint>``: one stored study per sample and search settings."""
    return f"{params.study.study_name}-{sample_fingerprint(sample, params)}"


def prepare_storage(storage: str | None) -> str | None:
    """Create the parent folder of a file-based SQLite storage URL; return the URL."""
    prefix = "sqlite:///"
    if storage and storage.startswith(prefix):
        path = storage[len(prefix) :].split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    return storage


def run_study(sample: SearchSample, params: ModelSelectionParams) -> pd.DataFrame:
    """Run (or continue) the Optuna study over scaler and K; return every trial.

    Objective: silhouette (maximised), in the ``scoring_space`` (see
    :func:`scoring_values`). A trial whose smallest cluster holds less than
    ``min_segment_share`` of the sample is kept but marked infeasible through Optuna's
    constraint (``trial.set_constraint``), so it is never the best and TPE learns to avoid
    it. With ``forced_k`` only the scaler is searched.

    Sampler: when the space is small enough (``study.sampler``, see
    ``ModelSelectionParams.uses_grid``) Optuna's ``GridSampler`` enumerates it, each
    (scaler, K) pair once, in an order shuffled by ``sampler_seed`` (the same seed on
    resume, so the stored pairs are recognised); otherwise TPE runs
    ``n_trials`` trials and a repeated pair reuses its scores (``cached``).

    Resume rule: the stored study is named ``<study_name>-<fingerprint>``, the fingerprint
    hashing the search sample and every setting that changes a trial. The same data and
    settings continue the same study (e.g. after an interrupted run): only the pairs (grid)
    or ``n_trials`` minus the COMPLETE trials (TPE) still missing are run (failed or interrupted trials do not count), with
    the sampler seeded by ``sampler_seed + number of trials already stored`` so the
    continuation is reproducible too. Next month's data gets a study of its own in the
    same storage, never mixed with this one.
    """
    study_cfg = params.study
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=prepare_storage(study_cfg.storage),
        study_name=stored_study_name(sample, params),
        direction="maximize",
        load_if_exists=True,
    )
    stored = study.get_trials(deepcopy=False)
    seed = study_cfg.sampler_seed + len(stored)
    n_complete = sum(trial.state == optuna.trial.TrialState.COMPLETE for trial in stored)
    results = [
        trial.user_attrs[RESULT_ATTR]
        for trial in stored
        if trial.state == optuna.trial.TrialState.COMPLETE
    ]
    cache = {
        (result["scaler"], result["k"]): {name: result[name] for name in SCORES}
        for result in results
    }
    if params.uses_grid:
        space: dict[str, list[Any]] = {"scaler": list(params.scalers)}
        if params.forced_k is None:
            space["k"] = list(params.k_values)
        # The grid is shuffled by the seed and its ids index the shuffled grid, so a resumed
        # study must use the seed it started with (a new one revisits pairs).
        study.sampler = optuna.samplers.GridSampler(space, seed=study_cfg.sampler_seed)
        missing = max(params.search_space_size - len(cache), 0)
    else:
        study.sampler = optuna.samplers.TPESampler(
            seed=seed, n_startup_trials=study_cfg.n_startup_trials
        )
        missing = max(study_cfg.n_trials - n_complete, 0)
    objective = _make_objective(sample, params, cache)
    if missing:
        with threadpool_limits(limits=params.n_threads):
            study.optimize(
                objective, n_trials=missing, timeout=study_cfg.timeout_s, catch=(ValueError,)
            )
    trials = trials_table(study.get_trials(deepcopy=False))
    logger.info(
        "Study %r: %d stored + %d requested trials, %d complete, %d feasible",
        study.study_name,
        len(stored),
        missing,
        int((trials["state"] == "COMPLETE").sum()),
        int(trials["feasible"].sum()),
    )
    return trials


def _make_objective(
    sample: SearchSample,
    params: ModelSelectionParams,
    cache: dict[tuple[str, int], dict[str, float]],
) -> Any:
    """Objective for ``study.optimize``; scaled samples and (scaler, K) scores are cached.

    A fit is deterministic for a given scaler and K, so a repeated suggestion reuses the
    stored scores (``cached=True``) instead of refitting.
    """
    scaled: dict[str, np.ndarray] = {}
    reference = scoring_values(sample, params)
    k_values, forced_k = params.k_values, params.forced_k
    min_share = params.min_segment_share
    scalers = list(params.scalers)

    def objective(trial: optuna.Trial) -> float:
        start = time.perf_counter()
        scaler = trial.suggest_categorical("scaler", scalers)
        if forced_k is None:
            k = trial.suggest_int("k", min(k_values), max(k_values))
        else:
            k = forced_k
        cached = (scaler, k) in cache
        if not cached:
            if scaler not in scaled:
                scaled[scaler] = _scaled_sample(sample, scaler, params)
            cache[(scaler, k)] = evaluate_clustering(
                scaled[scaler], k, params.kmeans, params.sampling, reference
            )
        scores = cache[(scaler, k)]
        trial.set_constraint("min_segment_share", min_share - scores["min_cluster_share"])
        # One attribute per trial: each write is a storage round trip (a SQLite commit).
        trial.set_user_attr(
            RESULT_ATTR,
            {
                "scaler": scaler,
                "k": k,
                "cached": cached,
                "feasible": scores["min_cluster_share"] >= min_share,
                "duration_s": time.perf_counter() - start,
                **scores,
            },
        )
        return scores["silhouette"]

    return objective


def trials_table(trials: list[optuna.trial.FrozenTrial]) -> pd.DataFrame:
    """One row per stored trial (any state), ordered by trial ``number`` (Optuna's name)."""
    rows = []
    for trial in trials:
        attrs = trial.user_attrs.get(RESULT_ATTR, {})
        row = {name: attrs.get(name, np.nan) for name in TRIAL_COLUMNS}
        row.update(
            number=trial.number,
            scaler=attrs.get("scaler", trial.params.get("scaler")),
            k=attrs.get("k", trial.params.get("k")),
            state=trial.state.name,
            feasible=bool(attrs.get("feasible", False))
            and trial.state == optuna.trial.TrialState.COMPLETE,
            cached=bool(attrs.get("cached", False)),
        )
        rows.append(row)
    table = pd.DataFrame(rows, columns=TRIAL_COLUMNS)
    table["k"] = table["k"].astype("Int64")
    return table.sort_values("number", kind="stable").reset_index(drop=True)


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
                scaled[scaler] = _scaled_sample(sample, scaler, params)
            mean, spread = refit_stability(
                scaled[scaler], k, params.kmeans, selection, params.sampling.seed
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
