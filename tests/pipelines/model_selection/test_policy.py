"""The selection policy on data where the answer is known, and on hand-made candidate tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.model import fit_transform_scaler
from customer_segmentation.pipelines.model_selection import nodes, policy, search_sample, study

from .conftest import blobs_frame, pairs_frame
from .conftest import small_settings as settings_for


def run_selection(frame: pd.DataFrame, settings) -> tuple[pd.DataFrame, dict]:
    """The model_selection nodes in order: candidates table and best parameters."""
    sample = search_sample.draw_search_sample(frame, settings)
    grid = nodes.score_k_grid(sample, settings)
    trials = study.run_study(sample, settings)
    candidates = nodes.assess_candidates(trials, grid, sample, settings)
    return candidates, nodes.select_best_params(candidates, sample, settings)


GRID = {"scalers": ["standard", "minmax"], "study__n_trials": 20}  # 2 x K 2..6: enumerated


def test_a_clear_k_is_chosen_by_both_policies():
    frame, _ = blobs_frame(centers=4)
    for name in ("largest_stable_k", "max_silhouette"):
        _, best = run_selection(frame, settings_for(selection__policy=name, **GRID))
        assert best["k"] == 4, name


def test_two_indistinguishable_k_go_to_the_larger_stable_one():
    frame, _ = pairs_frame()
    candidates, best = run_selection(frame, settings_for(**GRID))
    reps = candidates[candidates["best_at_k"]].set_index("k")
    assert reps.loc[2, "silhouette"] > reps.loc[4, "silhouette"]  # the plain rule picks K=2
    assert reps.loc[2, "within_tolerance"] and reps.loc[4, "within_tolerance"]
    assert best["k"] == 4 and best["stability"] >= 0.8
    assert best["runner_up"]["k"] in (2, 3) and "merges segments" in best["runner_up"]["why_not"]
    assert "largest_stable_k" in best["reason"] and "Runner-up" in best["reason"]
    plain = run_selection(frame, settings_for(selection__policy="max_silhouette", **GRID))[1]
    assert plain["k"] == 2
    assert "max_silhouette" in plain["reason"]


def test_a_tiny_well_separated_group_gets_its_own_segment():
    rng = np.random.default_rng(0)
    frame, planted = blobs_frame(sizes=[600, 600, 600])
    features = frame.columns[1:]
    tiny = pd.DataFrame(rng.normal(size=(12, len(features))) + 40.0, columns=features)
    tiny.insert(0, "customer_id", [f"T{i:03d}" for i in range(12)])
    frame = pd.concat([frame, tiny], ignore_index=True)
    planted = np.concatenate([planted, np.full(12, 3)])
    settings = settings_for(
        min_segment_share=0.005,
        sampling__silhouette_sample_size=300,
        sampling__min_rows_per_cluster=20,
        **GRID,
    )
    _, best = run_selection(frame, settings)
    assert best["k"] == 4
    assert best["min_cluster_share"] == pytest.approx(12 / len(frame), abs=1e-6)


def test_unstable_candidates_never_win():
    table = hand_made(
        [
            # scaler, k, silhouette, spread, feasible, stability
            ("standard", 2, 0.50, 0.01, True, 0.99),
            ("standard", 3, 0.49, 0.01, True, 0.95),
            ("standard", 4, 0.49, 0.01, True, 0.55),  # as good, but re-fits disagree
            ("standard", 5, 0.30, 0.01, True, np.nan),
        ]
    )
    chosen, runner_up = policy.decide(table, settings_for())
    assert table.loc[chosen, "k"] == 3 and table.loc[runner_up, "k"] == 2
    table["verdict"] = policy.verdicts(table, chosen, runner_up, settings_for())
    assert table["verdict"].tolist() == [
        "runner-up: equally good, but K=2 < K=3 merges segments",
        "chosen",
        "unstable: re-fits agree 0.55 < 0.8",
        "silhouette clearly below the best",
    ]


def test_nothing_stable_falls_back_to_the_best_silhouette():
    table = hand_made(
        [("standard", 2, 0.50, 0.0, True, 0.5), ("standard", 3, 0.49, 0.0, True, 0.4)]
    )
    chosen, _ = policy.decide(table, settings_for())
    assert table.loc[chosen, "k"] == 2
    text = policy.explain(table.assign(verdict=""), chosen, None, settings_for())
    assert "found no stable candidate" in text


def test_tolerance_and_spread_decide_what_cannot_be_told_apart():
    trials = trial_rows(
        [("standard", 2, 0.50, 0.001), ("standard", 3, 0.47, 0.001), ("standard", 4, 0.44, 0.04)]
    )
    table = policy.candidate_table(trials, None, settings_for(selection__tolerance=0.05))
    # K=3 is 6 % below the best (outside 5 %, spreads 0.002); K=4 is 0.06 below, more than
    # the two spreads (0.041)
    assert table.set_index("k")["within_tolerance"].to_dict() == {2: True, 3: False, 4: False}
    wider = policy.candidate_table(trials, None, settings_for(selection__tolerance=0.1))
    assert wider.set_index("k")["within_tolerance"].to_dict() == {2: True, 3: True, 4: False}
    noisy = trial_rows([("standard", 2, 0.50, 0.02), ("standard", 3, 0.45, 0.03)])
    table = policy.candidate_table(noisy, None, settings_for(selection__tolerance=0.0))
    assert table["within_tolerance"].all()  # 0.05 apart, spreads add to 0.05


def test_the_default_scaler_represents_its_k_unless_another_is_clearly_better():
    trials = trial_rows(
        [
            ("robust", 4, 0.421, 0.005),
            ("standard", 4, 0.419, 0.004),
            ("minmax", 3, 0.50, 0.001),
            ("standard", 3, 0.40, 0.001),
        ]
    )
    table = policy.candidate_table(trials, 4, settings_for(selection__tolerance=0.0))
    reps = table[table["best_at_k"]].set_index("k")["scaler"].to_dict()
    assert reps == {3: "minmax", 4: "standard"}
    assert table.loc[table["k"] == 4, "is_knee"].all()


def test_grid_sampler_scores_each_pair_once():
    frame, _ = blobs_frame()
    settings = settings_for(**GRID)
    assert settings.uses_grid and settings.search_space_size == 10
    trials = study.run_study(search_sample.draw_search_sample(frame, settings), settings)
    assert len(trials) == 10 and not trials["cached"].any()
    assert len(trials[["scaler", "k"]].drop_duplicates()) == 10
    tpe = settings_for(**{**GRID, "study__sampler": "tpe", "study__n_trials": 12})
    assert not tpe.uses_grid
    assert len(study.run_study(search_sample.draw_search_sample(frame, tpe), tpe)) == 12


def test_planted_groups_are_recovered_when_k_is_equal_on_silhouette():
    frame, planted = pairs_frame(seed=3)
    _, best = run_selection(frame, settings_for(**GRID))
    sample = search_sample.draw_search_sample(frame, settings_for(**GRID))
    _, scaled = fit_transform_scaler(best["scaler"], sample.values)
    labels = KMeans(best["k"], n_init=4, random_state=0).fit_predict(scaled)
    assert adjusted_rand_score(planted, labels) > 0.95


# ---- hand-made tables --------------------------------------------------------------------


def trial_rows(rows: list[tuple[str, int, float, float]]) -> pd.DataFrame:
    """Completed, feasible trials: scaler, K, silhouette mean and spread."""
    return pd.DataFrame(
        [
            {
                "number": i,
                "scaler": scaler,
                "k": k,
                "silhouette": mean,
                "silhouette_std": spread,
                "calinski_harabasz": 1.0,
                "davies_bouldin": 1.0,
                "min_cluster_share": 0.2,
                "inertia": 1.0,
                "state": "COMPLETE",
                "feasible": True,
            }
            for i, (scaler, k, mean, spread) in enumerate(rows)
        ]
    )


def hand_made(rows: list[tuple]) -> pd.DataFrame:
    """A candidates table with stability filled in, as ``assess_candidates`` leaves it."""
    trials = trial_rows([(scaler, k, mean, spread) for scaler, k, mean, spread, _, _ in rows])
    trials["feasible"] = [feasible for *_, feasible, _ in rows]
    table = policy.candidate_table(trials, None, settings_for())
    table["stability"] = [stability for *_, stability in rows]
    table["stable"] = table["stability"].fillna(-1) >= 0.8
    return table


def test_weak_structure_is_said_in_the_reason():
    table = hand_made(
        [("standard", 2, 0.12, 0.01, True, 0.9), ("standard", 3, 0.05, 0.01, True, 0.9)]
    )
    chosen, runner_up = policy.decide(table, settings_for())
    table["verdict"] = policy.verdicts(table, chosen, runner_up, settings_for())
    assert "Weak structure" in policy.explain(table, chosen, runner_up, settings_for())
    strong = hand_made([("standard", 2, 0.52, 0.01, True, 0.9)])
    strong["verdict"] = policy.verdicts(strong, 0, None, settings_for())
    assert "Weak structure" not in policy.explain(strong, 0, None, settings_for())
