"""The Optuna study of ``model_selection``: one trial per (scaler, K) on the search sample.

The study is stored (``study.storage``) under a name that fingerprints the search sample and
the settings that change a trial's result, so a re-run on the same data resumes it and a
changed setting starts a new one.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pandas as pd
from threadpoolctl import threadpool_limits

from customer_segmentation.model.parallel import map_in_threads
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from customer_segmentation.pipelines.model_selection.scoring import SCORES, evaluate_clustering
from customer_segmentation.pipelines.model_selection.search_sample import (
    SearchSample,
    scaled_sample,
    scoring_values,
)

logger = logging.getLogger(__name__)

TRIAL_COLUMNS = ["number", "scaler", "k", *SCORES, "duration_s", "state", "feasible", "cached"]
RESULT_ATTR = "result"


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
    ``n_trials`` trials and a repeated pair reuses its scores (``cached``). A grid's missing
    pairs are scored first, ``workers`` at a time (:meth:`PairScorer.many`), then told to Optuna
    in the sampler's order; ``timeout_s`` counts from then.

    Storage: the trials run in an in-memory study and are written to ``study.storage`` when
    it stops, also when an error or Ctrl-C stops it (a process killed outright loses this
    run's trials).

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
    storage = prepare_storage(study_cfg.storage)
    name = stored_study_name(sample, params)
    kept = optuna.create_study(
        storage=storage, study_name=name, direction="maximize", load_if_exists=True
    )
    stored = kept.get_trials(deepcopy=False)
    # The trials run in memory and are written to the storage once, when the study stops
    # (also when it is interrupted): a SQLite round trip for every trial attribute cost
    # about a quarter of the study's time.
    study = kept if storage is None else optuna.create_study(direction="maximize")
    if study is not kept:
        study.add_trials(stored)
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
        grid = itertools.product(space["scaler"], space.get("k", [params.forced_k]))
        pairs = [pair for pair in grid if pair not in cache]
    else:
        study.sampler = optuna.samplers.TPESampler(
            seed=seed, n_startup_trials=study_cfg.n_startup_trials
        )
        missing = max(study_cfg.n_trials - n_complete, 0)
        pairs = []
    try:
        if missing:
            with threadpool_limits(limits=params.n_threads):
                # the grid's pairs are known: scored side by side, then told to Optuna in its
                # order (each score depends only on its pair, so any order gives the same)
                scorer = PairScorer(sample, params)
                objective = _make_objective(scorer, params, cache, scorer.many(pairs))
                study.optimize(
                    objective, n_trials=missing, timeout=study_cfg.timeout_s, catch=(ValueError,)
                )
    finally:
        if study is not kept:
            kept.add_trials(
                trial
                for trial in study.get_trials(deepcopy=False)[len(stored) :]
                if trial.state.is_finished()
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


Pair = tuple[str, int]


class PairScorer:
    """Scores of (scaler, K) pairs on one search sample; each scaler's sample scaled once."""

    def __init__(self, sample: SearchSample, params: ModelSelectionParams) -> None:
        self._sample, self._params = sample, params
        self._reference = scoring_values(sample, params)
        self._scaled: dict[str, np.ndarray] = {}

    def scaled(self, scaler: str) -> np.ndarray:
        """The search sample with ``scaler`` fitted on it (computed on first use)."""
        if scaler not in self._scaled:
            self._scaled[scaler] = scaled_sample(self._sample, scaler, self._params)
        return self._scaled[scaler]

    def __call__(self, pair: Pair) -> dict[str, float] | ValueError:
        """The pair's scores and ``duration_s``, or the ``ValueError`` its fit raised."""
        scaler, k = pair
        start = time.perf_counter()
        try:
            scores = evaluate_clustering(
                self.scaled(scaler),
                k,
                self._params.kmeans,
                self._params.sampling,
                self._reference,
                algorithm=self._params.algorithm,
            )
        except ValueError as error:
            return error
        return {**scores, "duration_s": time.perf_counter() - start}

    def many(self, pairs: list[Pair]) -> dict[Pair, dict[str, float] | ValueError]:
        """Each pair's result, ``params.workers`` pairs at a time (threads).

        The scalers are fitted first, one at a time, so that no two threads fit the same one;
        a scaler that fails is tried again, and its error returned, by its pairs.
        """
        for scaler in dict.fromkeys(scaler for scaler, _ in pairs):
            with contextlib.suppress(ValueError):
                self.scaled(scaler)
        results = map_in_threads(self, pairs, self._params.workers, self._params.n_threads)
        return dict(zip(pairs, results, strict=True))


def _make_objective(
    scorer: PairScorer,
    params: ModelSelectionParams,
    cache: dict[Pair, dict[str, float]],
    fresh: dict[Pair, dict[str, float] | ValueError],
) -> Any:
    """Objective for ``study.optimize``; (scaler, K) scores are cached.

    A fit is deterministic for a given scaler and K, so a repeated suggestion reuses the
    stored scores (``cached=True``) instead of refitting. ``fresh`` holds pairs already
    scored in this run (:meth:`PairScorer.many`), with their durations.
    """
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
        scored = None
        if (scaler, k) in fresh:
            scored = fresh.pop((scaler, k))
            if not isinstance(scored, ValueError):
                start -= scored["duration_s"]
        elif not cached:
            scored = scorer((scaler, k))
        if isinstance(scored, ValueError):
            raise scored
        if scored is not None:
            cache[(scaler, k)] = {name: scored[name] for name in SCORES}
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
