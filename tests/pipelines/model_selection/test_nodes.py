"""Unit tests of the model_selection nodes on small in-memory frames."""

from __future__ import annotations

import re

import numpy as np
import optuna
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from sklearn.preprocessing import RobustScaler, StandardScaler

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.model_selection import nodes, scoring, search_sample, study

from .conftest import FEATURES, blobs_frame
from .conftest import small_settings as settings_for

DURATION = ["duration_s"]


def choose(trials: pd.DataFrame, sample: search_sample.SearchSample, settings) -> dict:
    """The rest of the pipeline after the study: K grid knee, candidates, best parameters."""
    grid = nodes.score_k_grid(sample, settings)
    candidates = nodes.assess_candidates(trials, grid, sample, settings)
    return nodes.select_best_params(candidates, sample, settings)


# ---- knee ---------------------------------------------------------------------------------


def test_knee_is_the_point_farthest_below_the_chord():
    ks = [2, 3, 4, 5, 6, 7, 8]
    inertia = [1000.0, 520.0, 120.0, 100.0, 85.0, 75.0, 70.0]
    assert nodes.find_knee(ks, inertia) == 4


def test_knee_moves_with_the_curve():
    ks = [2, 3, 4, 5, 6]
    assert nodes.find_knee(ks, [100.0, 30.0, 25.0, 22.0, 20.0]) == 3
    assert nodes.find_knee(ks, [100.0, 95.0, 90.0, 20.0, 18.0]) == 5


def test_no_knee_on_a_straight_line_or_too_few_points():
    assert nodes.find_knee([2, 3, 4, 5], [40.0, 30.0, 20.0, 10.0]) is None
    assert nodes.find_knee([2, 3], [40.0, 10.0]) is None


# ---- search sample ----------------------------------------------------------------------


def test_search_sample_is_fixed_and_independent_of_row_order(blobs):
    frame, _ = blobs
    settings = settings_for(sampling__search_sample_size=300)
    sample = search_sample.draw_search_sample(frame, settings)
    again = search_sample.draw_search_sample(frame.sample(frac=1.0, random_state=1), settings)
    assert len(sample.values) == 300
    assert sample.n_customers == len(frame)
    np.testing.assert_array_equal(sample.customer_ids, again.customer_ids)
    np.testing.assert_array_equal(sample.values, again.values)
    other = search_sample.draw_search_sample(
        frame, settings_for(sampling__search_sample_size=300, sampling__seed=7)
    )
    assert not np.array_equal(sample.customer_ids, other.customer_ids)


def test_small_data_uses_every_customer(blobs):
    frame, _ = blobs
    sample = search_sample.draw_search_sample(frame, settings_for())
    assert len(sample.values) == len(frame)


def test_silhouette_is_exact_when_every_row_fits_one_sample(blobs):
    frame, _ = blobs
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings)
    for k in (3, 4, 5):
        scores = scoring.evaluate_clustering(sample.values, k, settings.kmeans, settings.sampling)
        labels = KMeans(n_clusters=k, **settings.kmeans.model_dump()).fit_predict(sample.values)
        assert scores["silhouette"] == pytest.approx(
            silhouette_score(sample.values, labels), abs=1e-10
        )
        assert 0 < scores["silhouette_std"] < 0.02  # standard error of the exact mean


def with_stretched_return_rate(frame: pd.DataFrame) -> pd.DataFrame:
    """Blobs plus a mostly-zero return_rate (tiny IQR, a few large values)."""
    rng = np.random.default_rng(0)
    returns = np.where(rng.random(len(frame)) < 0.9, 0.0, rng.uniform(0.2, 0.4, len(frame)))
    returns[rng.random(len(frame)) < 0.3] += rng.uniform(0, 0.004)
    return frame.assign(return_rate=returns)


def test_scoring_space_keeps_a_stretched_feature_from_winning(blobs):
    frame = with_stretched_return_rate(blobs[0])
    chosen = {}
    for space in ("scaled", "standardized"):
        settings = settings_for(
            scoring_space=space, scalers=["robust", "standard"], study__n_trials=12
        )
        sample = search_sample.draw_search_sample(frame, settings)
        best = choose(study.run_study(sample, settings), sample, settings)
        chosen[space] = (best["scaler"], best["k"])
    assert chosen["scaled"][0] == "robust"  # one stretched feature, near-perfect silhouette
    assert chosen["standardized"][0] == "standard"


def test_trials_are_scored_in_the_common_standardized_space(blobs):
    frame = with_stretched_return_rate(blobs[0])
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings)
    reference = search_sample.scoring_values(sample, settings)
    np.testing.assert_allclose(reference, StandardScaler().fit_transform(sample.values))
    robust = RobustScaler().fit_transform(sample.values)
    scores = scoring.evaluate_clustering(robust, 3, settings.kmeans, settings.sampling, reference)
    labels = KMeans(n_clusters=3, **settings.kmeans.model_dump()).fit_predict(robust)
    assert scores["silhouette"] == pytest.approx(silhouette_score(reference, labels), abs=1e-10)
    assert search_sample.scoring_values(sample, settings_for(scoring_space="scaled")) is None


# ---- K grid -----------------------------------------------------------------------------


def test_k_grid_finds_the_planted_k(blobs):
    frame, _ = blobs
    settings = settings_for()
    grid = nodes.score_k_grid(search_sample.draw_search_sample(frame, settings), settings)
    assert list(grid.columns) == [
        "k",
        "inertia",
        "silhouette",
        "silhouette_std",
        "calinski_harabasz",
        "davies_bouldin",
        "is_knee",
    ]
    assert grid["k"].tolist() == [2, 3, 4, 5, 6]
    assert grid.loc[grid["is_knee"], "k"].tolist() == [4]
    assert grid.loc[grid["silhouette"].idxmax(), "k"] == 4
    assert grid.loc[grid["calinski_harabasz"].idxmax(), "k"] == 4
    assert grid.loc[grid["davies_bouldin"].idxmin(), "k"] == 4
    assert grid["inertia"].is_monotonic_decreasing


# ---- Optuna study -----------------------------------------------------------------------


def test_study_is_reproducible_from_the_seed(blobs):
    frame, _ = blobs
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings)
    first = study.run_study(sample, settings).drop(columns=DURATION)
    second = study.run_study(sample, settings).drop(columns=DURATION)
    pd.testing.assert_frame_equal(first, second)
    assert len(first) == 8 and (first["state"] == "COMPLETE").all()
    other = study.run_study(sample, settings_for(study__sampler_seed=1)).drop(columns=DURATION)
    assert not first[["scaler", "k"]].equals(other[["scaler", "k"]])


def test_study_resumes_from_sqlite_and_runs_only_the_missing_trials(blobs, tmp_path):
    frame, _ = blobs
    url = f"sqlite:///{tmp_path}/not/yet/there/study.db"
    first_settings = settings_for(study__storage=url, study__study_name="resume", study__n_trials=4)
    sample = search_sample.draw_search_sample(frame, first_settings)
    first = study.run_study(sample, first_settings)
    assert (tmp_path / "not/yet/there/study.db").is_file()
    assert len(first) == 4

    more = settings_for(study__storage=url, study__study_name="resume", study__n_trials=7)
    resumed = study.run_study(sample, more)
    assert resumed["number"].tolist() == list(range(7))
    pd.testing.assert_frame_equal(resumed.head(4), first)

    again = study.run_study(sample, more)
    pd.testing.assert_frame_equal(again, resumed)

    best = choose(resumed, sample, more)
    assert best["study_name"].startswith("resume-")
    stored = optuna.load_study(study_name=best["study_name"], storage=url)
    assert len(stored.trials) == 7
    named = stored.trials[best["trial_number"]]
    assert (named.params["scaler"], named.params["k"]) == (best["scaler"], best["k"])


def test_a_grid_scored_side_by_side_gives_the_trials_of_one_at_a_time(blobs):
    frame, _ = blobs
    one = settings_for(study__sampler="grid", workers=1, scalers=["standard", "robust"])
    sample = search_sample.draw_search_sample(frame, one)
    alone = study.run_study(sample, one).drop(columns=DURATION)
    two = one.model_copy(update={"workers": 2})
    pd.testing.assert_frame_equal(study.run_study(sample, two).drop(columns=DURATION), alone)
    assert len(alone) == 10 and not alone.duplicated(["scaler", "k"]).any()
    assert (alone["state"] == "COMPLETE").all() and not alone["cached"].any()


def test_an_interrupted_study_keeps_its_finished_trials_for_the_next_run(
    blobs, tmp_path, monkeypatch
):
    frame, _ = blobs
    url = f"sqlite:///{tmp_path}/study.db"
    settings = settings_for(study__storage=url, study__sampler="tpe", study__n_trials=6)
    sample = search_sample.draw_search_sample(frame, settings)
    real, calls = study.evaluate_clustering, []

    def stopped_at_the_third_fit(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 3:
            raise KeyboardInterrupt  # what Ctrl-C raises in the middle of a trial
        return real(*args, **kwargs)

    monkeypatch.setattr(study, "evaluate_clustering", stopped_at_the_third_fit)
    with pytest.raises(KeyboardInterrupt):
        study.run_study(sample, settings)
    name = study.stored_study_name(sample, settings)
    kept = optuna.load_study(study_name=name, storage=url).trials
    assert [trial.state.name for trial in kept][:2] == ["COMPLETE", "COMPLETE"]
    monkeypatch.setattr(study, "evaluate_clustering", real)
    resumed = study.run_study(sample, settings)
    assert (resumed["state"] == "COMPLETE").sum() == 6


def test_other_data_gets_its_own_study_in_the_same_storage(blobs, tmp_path):
    frame, _ = blobs
    url = f"sqlite:///{tmp_path}/s.db"
    settings = settings_for(study__storage=url, study__n_trials=2)
    first_sample = search_sample.draw_search_sample(frame, settings)
    study.run_study(first_sample, settings)
    other, _ = blobs_frame(seed=5)
    other_sample = search_sample.draw_search_sample(other, settings)
    trials = study.run_study(other_sample, settings)
    assert trials["number"].tolist() == [0, 1]  # a fresh study, not a continuation
    names = {summary.study_name for summary in optuna.get_all_study_summaries(storage=url)}
    assert names == {
        study.stored_study_name(first_sample, settings),
        study.stored_study_name(other_sample, settings),
    }


def test_min_share_makes_trials_infeasible_and_they_never_win():
    frame, _ = blobs_frame(sizes=[290, 290, 290, 12])  # one planted group of 1.3%
    settings = settings_for(min_segment_share=0.05, study__n_trials=16)
    sample = search_sample.draw_search_sample(frame, settings)
    trials = study.run_study(sample, settings)
    assert (trials["feasible"] == (trials["min_cluster_share"] >= 0.05)).all()
    assert (~trials["feasible"]).any() and trials["feasible"].any()
    best = choose(trials, sample, settings)
    assert best["min_cluster_share"] >= 0.05
    assert "policy largest_stable_k" in best["reason"]


def _table(rows):
    columns = [
        "number",
        "scaler",
        "k",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "min_cluster_share",
        "state",
        "feasible",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_best_params_skips_an_infeasible_trial_with_a_higher_silhouette(blobs):
    frame, _ = blobs
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings)
    trials = _table(
        [
            [0, "standard", 5, 0.90, 10.0, 0.2, 0.01, "COMPLETE", False],
            [1, "robust", 4, 0.70, 9.0, 0.3, 0.20, "COMPLETE", True],
            [2, "minmax", 3, 0.95, 9.0, 0.3, 0.30, "FAIL", False],
            [3, "none", 4, 0.70, 8.0, 0.4, 0.20, "COMPLETE", True],
        ]
    )
    best = choose(trials, sample, settings)
    assert (best["scaler"], best["k"], best["trial_number"]) == ("robust", 4, 1)
    assert best["features"] == list(frame.columns[1:])


def test_no_feasible_trial_names_min_segment_share(blobs):
    frame, _ = blobs
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings)
    trials = _table([[0, "standard", 5, 0.9, 10.0, 0.2, 0.01, "COMPLETE", False]])
    with pytest.raises(InputValidationError, match=r"model_selection\.min_segment_share"):
        choose(trials, sample, settings)


def test_forced_k_searches_only_the_scaler(blobs):
    frame, _ = blobs
    settings = settings_for(forced_k=3)
    sample = search_sample.draw_search_sample(frame, settings)
    trials = study.run_study(sample, settings)
    assert set(trials["k"]) == {3}
    assert trials["scaler"].nunique() > 1
    best = choose(trials, sample, settings)
    assert best["k"] == 3
    assert "forced K=3 by parameter forced_k" in best["reason"]


def test_repeated_suggestions_reuse_the_scores(blobs):
    frame, _ = blobs
    settings = settings_for(
        forced_k=4, scalers=["standard", "none"], study__n_trials=6, study__sampler="tpe"
    )
    trials = study.run_study(search_sample.draw_search_sample(frame, settings), settings)
    assert trials["cached"].sum() == 6 - trials[["scaler", "k"]].drop_duplicates().shape[0]
    for _, group in trials.groupby("scaler"):
        assert group["silhouette"].nunique() == 1


# ---- data checks ------------------------------------------------------------------------


def _broken(frame: pd.DataFrame, column: str, value) -> pd.DataFrame:
    broken = frame.copy()
    broken[column] = value
    return broken


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("tenure", 3.0, "is constant"),
        ("return_rate", np.nan, "is entirely missing"),
        ("return_rate", None, "is entirely missing"),
        ("recency", np.inf, "has infinite values"),
        ("monetary", "abc", "non-numeric"),
    ],
)
def test_bad_feature_columns_are_named(blobs, column, value, problem):
    frame, _ = blobs
    with pytest.raises(InputValidationError) as error:
        search_sample.draw_search_sample(_broken(frame, column, value), settings_for())
    assert f"column '{column}'" in str(error.value) and problem in str(error.value)


def test_partly_missing_and_duplicated_ids_are_named(blobs):
    frame, _ = blobs
    holes = frame.copy()
    holes.loc[[3, 7], "frequency"] = np.nan
    with pytest.raises(InputValidationError, match=r"column 'frequency': has 2 missing values"):
        search_sample.draw_search_sample(holes, settings_for())
    twins = frame.copy()
    twins.loc[1, "customer_id"] = twins.loc[0, "customer_id"]
    with pytest.raises(InputValidationError, match=r"column 'customer_id': has 1 duplicated"):
        search_sample.draw_search_sample(twins, settings_for())


def test_fewer_customers_than_the_largest_k(blobs):
    frame, _ = blobs
    with pytest.raises(InputValidationError) as error:
        search_sample.draw_search_sample(frame.head(5), settings_for())
    message = str(error.value)
    assert "dataset 'model_input'" in message and "model_selection.k_range.max" in message
    assert "5 customers; the largest K 6 needs at least 7" in message
    with pytest.raises(InputValidationError, match="the largest K 6 needs at least 7"):
        search_sample.draw_search_sample(frame.head(6), settings_for())  # as many customers as K


# ---- numeric-only (transaction) path unchanged, mixed input ------------------------------

NUMERIC_TRANSFORMS = {"model_features": list(FEATURES), "log1p_features": [], "caps": {}}


def test_numeric_only_input_keeps_its_sample_and_stored_study_name(blobs):
    frame, _ = blobs
    settings = settings_for()
    plain = search_sample.draw_search_sample(frame, settings)
    declared = search_sample.draw_search_sample(frame, settings, NUMERIC_TRANSFORMS)
    np.testing.assert_array_equal(plain.values, declared.values)
    assert declared.encoded.shape == (len(frame), 0)
    np.testing.assert_array_equal(
        search_sample.scaled_sample(declared, "robust", settings),
        RobustScaler().fit_transform(frame[FEATURES].to_numpy()),
    )
    # Fixed by the numeric values and the settings alone (the name changed once, when
    # silhouette became a stratified estimate: studies scored the old way are not continued).
    assert study.stored_study_name(declared, settings) == "customer_segmentation-e4e85d5c3cefb98f"


def mixed(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """``frame`` plus a text feature and a few missing numbers, declared as the customer table."""
    rng = np.random.default_rng(0)
    mixed_frame = frame.assign(region=rng.choice(["north", "south", "east"], size=len(frame)))
    mixed_frame["region"] = mixed_frame["region"].astype("str")
    mixed_frame.loc[[1, 5], "tenure"] = np.nan
    transforms = {
        **NUMERIC_TRANSFORMS,
        "model_features": [*FEATURES, "region"],
        "numeric_features": list(FEATURES),
        "categorical_features": ["region"],
        "imputation": {"numeric": "median", "categorical": "most_frequent"},
        "categorical_weight": 0.25,
    }
    return mixed_frame, transforms


def test_mixed_input_is_imputed_encoded_and_scaled_on_its_numeric_part(blobs):
    frame, transforms = mixed(blobs[0])
    settings = settings_for()
    sample = search_sample.draw_search_sample(frame, settings, transforms)
    assert sample.features == [*FEATURES, "region"]
    tenure = FEATURES.index("tenure")
    assert sample.values[1, tenure] == pytest.approx(frame["tenure"].median())
    assert sample.encoded.shape == (len(frame), 3)
    np.testing.assert_allclose(sample.encoded.sum(axis=1), 0.25)
    scaled = search_sample.scaled_sample(sample, "standard", settings)
    np.testing.assert_allclose(scaled[:, : len(FEATURES)].std(axis=0), 1.0)
    np.testing.assert_array_equal(scaled[:, len(FEATURES) :], sample.encoded)
    best = choose(study.run_study(sample, settings), sample, settings)
    assert best["categorical_features"] == ["region"] and best["k"] == 4


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda f, t: (f.assign(region=np.nan), t), "is entirely missing"),
        (lambda f, t: (f.assign(region="north"), t), "is constant ('north')"),
        (lambda f, t: (f.assign(region=1.0), t), "declared categorical but has numeric type"),
        (lambda f, t: (f.assign(tenure="x"), t), "declared numeric but has type"),
        (lambda f, t: (f, {**t, "categorical_features": []}), "dataset 'feature_transforms'"),
        (
            lambda f, t: (f, {**t, "imputation": {"numeric": "zero", "categorical": "x"}}),
            "numeric must be one of",
        ),
    ],
)
def test_bad_mixed_input_is_named(blobs, change, problem):
    frame, transforms = change(*mixed(blobs[0]))
    with pytest.raises(InputValidationError, match=re.escape(problem)):
        search_sample.draw_search_sample(frame, settings_for(), transforms)


def test_text_column_without_a_declaration_is_still_refused(blobs):
    frame, _ = mixed(blobs[0])
    with pytest.raises(InputValidationError, match="column 'region': has non-numeric type"):
        search_sample.draw_search_sample(frame.assign(tenure=1.0 + frame.index), settings_for())
