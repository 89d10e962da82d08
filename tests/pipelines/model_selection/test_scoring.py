"""Silhouette estimated on stratified samples, and stability of re-fits."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples, silhouette_score

from customer_segmentation.pipelines.model_selection import scoring

from .conftest import small_settings as settings_for


def blobs_with_a_tiny_group(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three groups of 1,500 and one far-away group of 12 (0.27 %), labels = the groups."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0], [20.0, 20.0, 20.0]])
    sizes = [1500, 1500, 1500, 12]
    labels = np.repeat(np.arange(4), sizes)
    return centres[labels] + rng.normal(size=(len(labels), 3)), labels


def test_silhouette_values_equal_sklearn():
    values, labels = blobs_with_a_tiny_group()
    rows = np.arange(0, len(values), 7)
    np.testing.assert_allclose(
        scoring.silhouette_values(values[rows], labels[rows]),
        silhouette_samples(values[rows], labels[rows]),
        atol=1e-10,
    )


def test_weighted_silhouette_on_every_row_is_sklearns():
    values, labels = blobs_with_a_tiny_group()
    everyone = np.arange(len(values))
    assert scoring.weighted_silhouette(values, labels, everyone) == pytest.approx(
        silhouette_score(values, labels), abs=1e-10
    )


def test_a_single_cluster_scores_worst():
    values = np.random.default_rng(0).normal(size=(20, 3))
    assert scoring.weighted_silhouette(values, np.zeros(20, dtype=int), np.arange(20)) == -1.0


def test_stratified_rows_keep_every_cluster_and_the_size():
    _, labels = blobs_with_a_tiny_group()
    rows = scoring.stratified_rows(labels, 300, 20, np.random.default_rng(1))
    assert len(rows) == 300 and len(np.unique(rows)) == 300
    counts = np.bincount(labels[rows])
    assert counts[3] == 12  # all of the tiny group (fewer than the floor)
    assert (counts[:3] >= 20).all() and abs(counts[0] - counts[1]) <= 1  # the rest in proportion
    again = scoring.stratified_rows(labels, 300, 20, np.random.default_rng(1))
    np.testing.assert_array_equal(rows, again)
    np.testing.assert_array_equal(
        scoring.stratified_rows(labels, 10_000, 20, np.random.default_rng(1)),
        np.arange(len(labels)),
    )


def test_a_tiny_group_that_uniform_samples_miss_is_always_scored():
    values, labels = blobs_with_a_tiny_group()
    exact = silhouette_score(values, labels)
    missed = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        uniform = np.sort(rng.choice(len(values), 300, replace=False))
        missed += int(not (labels[uniform] == 3).any())
        stratified = scoring.stratified_rows(labels, 300, 20, rng)
        assert (labels[stratified] == 3).sum() == 12
        estimate = scoring.weighted_silhouette(values, labels, stratified)
        assert estimate == pytest.approx(exact, abs=0.04)  # sampling noise of ~96 rows a group
    assert missed >= 5  # a uniform sample of 300 often has no row of it


def test_estimate_spread_over_samples_and_standard_error_when_exact():
    values, labels = blobs_with_a_tiny_group()
    sampling = settings_for(
        sampling__silhouette_sample_size=300, sampling__min_rows_per_cluster=20
    ).sampling
    mean, spread = scoring.silhouette_estimate(values, labels, sampling)
    assert 0 < spread < 0.05
    assert mean == pytest.approx(silhouette_score(values, labels), abs=2 * spread + 0.01)
    assert scoring.silhouette_estimate(values, labels, sampling) == (mean, spread)
    everyone = settings_for(sampling__silhouette_sample_size=5000).sampling
    exact, error = scoring.silhouette_estimate(values, labels, everyone)
    scores = silhouette_samples(values, labels)
    assert exact == pytest.approx(scores.mean(), abs=1e-10)
    assert error == pytest.approx(scores.std(ddof=1) / np.sqrt(len(values)))


def test_stability_is_high_for_real_groups_and_low_past_them():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [8.0, 0.0], [0.0, 8.0]])
    labels = np.repeat(np.arange(3), 200)
    values = centres[labels] + rng.normal(size=(len(labels), 2))
    settings = settings_for()
    kmeans, selection = settings.kmeans, settings.selection  # 5 re-fits on halves
    real, _ = scoring.refit_stability(values, 3, kmeans, selection, seed=1)
    assert real > 0.95
    noise = rng.normal(size=(600, 2))  # one round blob: any split is arbitrary
    arbitrary, _ = scoring.refit_stability(noise, 6, kmeans, selection, seed=1)
    assert arbitrary < real - 0.15
    assert scoring.refit_stability(values, 3, kmeans, selection, seed=1)[0] == real


def test_evaluate_clustering_reports_mean_and_spread():
    values, labels = blobs_with_a_tiny_group()
    settings = settings_for(sampling__silhouette_sample_size=300, sampling__min_rows_per_cluster=20)
    scores = scoring.evaluate_clustering(values, 4, settings.kmeans, settings.sampling)
    fitted = KMeans(n_clusters=4, **settings.kmeans.model_dump()).fit(values)
    assert scores["inertia"] == pytest.approx(fitted.inertia_)
    assert scores["silhouette_std"] > 0
    assert scores["min_cluster_share"] == pytest.approx(12 / len(values))
