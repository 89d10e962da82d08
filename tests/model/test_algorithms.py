"""Every algorithm fits and predicts; the one that fits the planted shape recovers it best;
renumbered clusters keep every algorithm's assignments."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from customer_segmentation.model import (
    ALGORITHMS,
    ClustererParams,
    KMeansParams,
    RenumberedClusters,
    cluster_centres,
    fit_labels,
    make_clusterer,
    n_clusters,
    reseeded,
)
from customer_segmentation.model.algorithms import within_cluster_sum_of_squares

FIT = KMeansParams(n_init=3, max_iter=300, algorithm="lloyd", random_state=0)


def algorithm(name: str) -> ClustererParams:
    return ClustererParams(name=name, covariance_type="diag", batch_size=1024)


def planted(spreads: list[float], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return make_blobs(3000, centers=centres, cluster_std=spreads, random_state=seed)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_every_algorithm_recovers_well_separated_groups_and_predicts(name: str):
    values, truth = planted([0.8, 0.8, 0.8])
    estimator = make_clusterer(algorithm(name), 3, FIT).fit(values)
    labels = estimator.predict(values)
    assert adjusted_rand_score(truth, labels) > 0.95
    centres = cluster_centres(estimator)
    assert centres.shape == (3, 2)
    # a new customer near a planted centre gets that group's label
    assert estimator.predict(centres[:1]).tolist() == [
        labels[np.argmin(((values - centres[0]) ** 2).sum(1))]
    ]


def test_a_mixture_beats_kmeans_on_groups_of_unequal_spread():
    # one wide, diffuse group beside two tight ones: K-means' equal round clusters cut it up
    aris = {}
    for seed in range(3):
        values, truth = planted([2.8, 0.5, 0.5], seed=seed)
        for name in ("kmeans", "gaussian_mixture"):
            labels = make_clusterer(algorithm(name), 3, FIT).fit(values).predict(values)
            aris.setdefault(name, []).append(adjusted_rand_score(truth, labels))
    assert np.mean(aris["gaussian_mixture"]) > np.mean(aris["kmeans"]) + 0.05, aris


@pytest.mark.parametrize("name", ALGORITHMS)
def test_renumbering_permutes_ids_and_centres_for_every_algorithm(name: str):
    values, _ = planted([0.8, 1.5, 0.5])
    model = Pipeline(
        [
            ("scaler", StandardScaler()),
            ("cluster", RenumberedClusters(make_clusterer(algorithm(name), 3, FIT))),
        ]
    ).fit(values)
    before, centres = model.predict(values), model[-1].cluster_centers_.copy()
    model[-1].renumber([2, 0, 1])
    after = model.predict(values)
    # new cluster i is old cluster order[i]
    assert np.array_equal(after[before == 2], np.zeros((before == 2).sum()))
    assert np.array_equal(after[before == 0], np.ones((before == 0).sum()))
    assert np.allclose(model[-1].cluster_centers_, centres[[2, 0, 1]])
    assert n_clusters(model) == 3
    # a re-fit from another seed is unfitted, seeded and numbered anew
    refit = reseeded(model, 5)
    assert refit[-1].estimator.random_state == 5 and not hasattr(refit[-1], "order_")
    with pytest.raises(ValueError, match="not a permutation"):
        model[-1].renumber([0, 0, 1])


def test_the_sum_of_squares_is_kmeans_inertia_and_defined_for_a_mixture():
    values, _ = planted([0.8, 0.8, 0.8])
    kmeans_labels, inertia = fit_labels(make_clusterer(algorithm("kmeans"), 3, FIT), values)
    assert inertia == pytest.approx(within_cluster_sum_of_squares(values, kmeans_labels), rel=1e-6)
    _, mixture = fit_labels(make_clusterer(algorithm("gaussian_mixture"), 3, FIT), values)
    assert mixture == pytest.approx(inertia, rel=0.01)
