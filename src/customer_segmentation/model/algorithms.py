"""Clustering algorithms besides K-means, under one constructor (experiments, issue 16).

Every algorithm here assigns a new customer (``predict``), which scoring needs, and fits
100,000s of customers in bounded time on one machine:

- ``kmeans``: the baseline (Lloyd), as :mod:`.builder` builds it;
- ``minibatch_kmeans``: K-means on mini-batches, for very many customers;
- ``bisecting_kmeans``: K-means split top down, clusters of more even size;
- ``gaussian_mixture``: Gaussian components with their own spread (``covariance_type``,
  ``diag`` by default), for segments of unequal spread or shape where K-means' equal round
  clusters cut groups in two; soft assignments (``predict_proba``).

Left out, measured (``benchmarks/algorithm_benchmark.py``, 9 features, 4 groups): Birch
either grows much faster than the customers (threshold 1.5: 3 s at 20,000, 49 s at
100,000) or, with a coarser tree that keeps it linear (threshold 4), recovers the groups
poorly (ARI 0.56 against 0.95 for K-means). HDBSCAN has no ``predict`` and is slow above
~100,000 customers (scikit-learn issue 31503).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans
from sklearn.mixture import GaussianMixture

from customer_segmentation.parameters import Parameters

Algorithm = Literal["kmeans", "minibatch_kmeans", "bisecting_kmeans", "gaussian_mixture"]
ALGORITHMS: tuple[str, ...] = Algorithm.__args__  # type: ignore[attr-defined]


class AlgorithmParams(Parameters):
    """One algorithm and its settings; the ones another algorithm uses are ignored."""

    name: Algorithm
    #: restarts from different seeds (K-means family, Gaussian mixture)
    n_init: int = Field(ge=1)
    max_iter: int = Field(ge=1)
    random_state: int = Field(ge=0)
    #: customers per mini-batch (``minibatch_kmeans``)
    batch_size: int = Field(ge=64)
    #: shape of each Gaussian component (``gaussian_mixture``)
    covariance_type: Literal["diag", "full", "spherical", "tied"]


def make_clusterer(params: AlgorithmParams, k: int) -> Any:
    """An unfitted estimator of ``params.name`` with ``k`` clusters (or components)."""
    shared = {"random_state": params.random_state, "max_iter": params.max_iter}
    if params.name == "kmeans":
        return KMeans(n_clusters=k, n_init=params.n_init, **shared)
    if params.name == "minibatch_kmeans":
        return MiniBatchKMeans(
            n_clusters=k, n_init=params.n_init, batch_size=params.batch_size, **shared
        )
    if params.name == "bisecting_kmeans":
        return BisectingKMeans(n_clusters=k, n_init=params.n_init, **shared)
    return GaussianMixture(
        n_components=k, covariance_type=params.covariance_type, n_init=params.n_init, **shared
    )


def cluster_centres(estimator: Any) -> np.ndarray:
    """The fitted centre of each cluster (K-means family) or component (mixture)."""
    centres = getattr(estimator, "cluster_centers_", None)
    return np.asarray(estimator.means_ if centres is None else centres, dtype="float64")
