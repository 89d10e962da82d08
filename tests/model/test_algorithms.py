"""Every algorithm fits and predicts; the one that fits the planted shape recovers it best."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.model.algorithms import (
    ALGORITHMS,
    AlgorithmParams,
    cluster_centres,
    make_clusterer,
)

SETTINGS = {
    "n_init": 3,
    "max_iter": 300,
    "random_state": 0,
    "batch_size": 1024,
    "covariance_type": "diag",
}


def params(name: str, **changes) -> AlgorithmParams:
    return AlgorithmParams(name=name, **{**SETTINGS, **changes})


def planted(spreads: list[float], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [0.0, 6.0]])
    return make_blobs(3000, centers=centres, cluster_std=spreads, random_state=seed)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_every_algorithm_recovers_well_separated_groups_and_predicts(name: str):
    values, truth = planted([0.8, 0.8, 0.8])
    estimator = make_clusterer(params(name), 3).fit(values)
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
            labels = make_clusterer(params(name), 3).fit(values).predict(values)
            aris.setdefault(name, []).append(adjusted_rand_score(truth, labels))
    assert np.mean(aris["gaussian_mixture"]) > np.mean(aris["kmeans"]) + 0.05, aris
