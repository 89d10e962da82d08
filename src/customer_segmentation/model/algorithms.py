"""The clustering algorithms a search or an experiment may use, under one constructor.

Every algorithm here assigns a new customer (``predict``), which scoring needs, and fits
100,000s of customers in bounded time on one machine:

- ``kmeans``: the baseline (Lloyd or Elkan);
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

The fit settings (``n_init``, ``max_iter``, ``random_state``) are the ``kmeans:`` block of
``model_selection`` (search) and ``clustering`` (final fit), whatever the algorithm; its
``algorithm`` (lloyd or elkan) is K-means' own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field
from sklearn.base import BaseEstimator, ClusterMixin, clone
from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.mixture import GaussianMixture

from customer_segmentation.model.params import KMeansParams
from customer_segmentation.parameters import Parameters

Algorithm = Literal["kmeans", "minibatch_kmeans", "bisecting_kmeans", "gaussian_mixture"]
ALGORITHMS: tuple[str, ...] = Algorithm.__args__  # type: ignore[attr-defined]


class ClustererParams(Parameters):
    """Which algorithm, and the settings only some algorithms have."""

    name: Algorithm
    #: shape of each Gaussian component (``gaussian_mixture``)
    covariance_type: Literal["diag", "full", "spherical", "tied"]
    #: customers per mini-batch (``minibatch_kmeans``)
    batch_size: int = Field(ge=64)


#: Plain K-means: what a configuration without an ``algorithm`` block (or an older
#: ``best_params``) means.
KMEANS_ONLY = ClustererParams(name="kmeans", covariance_type="diag", batch_size=1024)


def make_clusterer(algorithm: ClustererParams, k: int, fit: KMeansParams) -> Any:
    """An unfitted estimator of ``algorithm.name`` with ``k`` clusters (or components)."""
    shared = {"random_state": fit.random_state, "max_iter": fit.max_iter, "n_init": fit.n_init}
    if algorithm.name == "kmeans":
        return KMeans(n_clusters=k, algorithm=fit.algorithm, **shared)
    if algorithm.name == "minibatch_kmeans":
        return MiniBatchKMeans(n_clusters=k, batch_size=algorithm.batch_size, **shared)
    if algorithm.name == "bisecting_kmeans":
        return BisectingKMeans(n_clusters=k, algorithm=fit.algorithm, **shared)
    return GaussianMixture(n_components=k, covariance_type=algorithm.covariance_type, **shared)


def cluster_centres(estimator: Any) -> np.ndarray:
    """The fitted centre of each cluster (K-means family) or component (mixture)."""
    centres = getattr(estimator, "cluster_centers_", None)
    return np.asarray(estimator.means_ if centres is None else centres, dtype="float64")


def fit_labels(estimator: Any, values: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit ``estimator`` on ``values``; its labels and within-cluster sum of squares.

    The sum of squares is K-means' own objective (``inertia_``) where the algorithm has one,
    else the squared distances of the rows to their cluster's mean, so an elbow curve can be
    drawn for every algorithm.
    """
    labels = np.asarray(estimator.fit_predict(values))
    inertia = getattr(estimator, "inertia_", None)
    if inertia is None:
        inertia = within_cluster_sum_of_squares(values, labels)
    return labels, float(inertia)


def within_cluster_sum_of_squares(values: np.ndarray, labels: np.ndarray) -> float:
    """Sum over rows of the squared distance to the mean of the row's cluster."""
    _, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes).astype("float64")
    sums = np.zeros((len(counts), values.shape[1]))
    np.add.at(sums, codes, values)
    means = sums / counts[:, None]
    return float(((values - means[codes]) ** 2).sum())


class RenumberedClusters(ClusterMixin, BaseEstimator):
    """A clusterer whose clusters are numbered in a chosen order, for any algorithm.

    Cluster ``i`` is the fitted estimator's cluster ``order[i]``: ``predict`` and
    ``cluster_centers_`` follow that numbering, so the saved model's cluster ids are the
    report's, without editing any algorithm's internals. ``order`` is set after fitting by
    :meth:`renumber` (the identity until then).
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, values: Any, y: Any = None) -> RenumberedClusters:
        """Fit a copy of ``estimator``; clusters keep the estimator's numbering."""
        self.estimator_ = clone(self.estimator).fit(values)
        self.order_ = np.arange(len(cluster_centres(self.estimator_)))
        return self

    def renumber(self, order: Sequence[int]) -> RenumberedClusters:
        """Number the clusters so that cluster ``i`` is the estimator's ``order[i]``."""
        order = np.asarray(order, dtype="int64")
        if sorted(order.tolist()) != list(range(len(self.order_))):
            raise ValueError(f"order {order.tolist()} is not a permutation of the clusters")
        self.order_ = self.order_[order]
        return self

    @property
    def n_clusters(self) -> int:
        """Number of clusters."""
        return len(self.order_)

    @property
    def cluster_centers_(self) -> np.ndarray:
        """Centres in this numbering (means of a mixture's components)."""
        return cluster_centres(self.estimator_)[self.order_]

    def predict(self, values: Any) -> np.ndarray:
        """Cluster of each row, in this numbering."""
        rank = np.empty_like(self.order_)
        rank[self.order_] = np.arange(len(self.order_))
        return rank[np.asarray(self.estimator_.predict(values))]

    def transform(self, values: Any) -> np.ndarray:
        """Euclidean distance of each row to each centre (columns in this numbering)."""
        return euclidean_distances(values, self.cluster_centers_)


def clusterer_of(model: Any) -> Any:
    """The clustering step of a fitted model (its last step)."""
    return model.steps[-1][1]


def n_clusters(model: Any) -> int:
    """Number of clusters of a fitted model."""
    return len(cluster_centres(clusterer_of(model)))


def reseeded(model: Any, seed: int) -> Any:
    """An unfitted copy of ``model`` whose clustering step starts from ``seed``."""
    copy = clone(model)
    step = clusterer_of(copy)
    inner = step.estimator if isinstance(step, RenumberedClusters) else step
    inner.set_params(random_state=int(seed))
    return copy
