"""How one candidate clustering (a scaler and K) is scored, with its uncertainty.

Silhouette is quadratic in rows, so it is estimated on samples. A uniform sample can miss a
small cluster (scikit-learn issue 11676), so every sample here is *stratified per cluster*:
each cluster gets at least ``min_rows_per_cluster`` rows (all of them when it is smaller),
the rest is shared in proportion to size, and the score is the per-cluster mean silhouette
weighted by cluster size: the same quantity as ``sklearn.metrics.silhouette_score`` on
every row (exactly equal when the sample holds every row), estimated with every cluster
present. Several independent samples give a mean and a spread (with every row in one
sample: the exact mean and its standard error).

Stability is the agreement (adjusted Rand index) between the candidate's labels and those of
re-fits on random halves of the rows (Ben-Hur, Elisseeff and Guyon 2002; Lange et al. 2004):
a K that describes real structure is found again on resamples.
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score

from customer_segmentation.model import (
    KMEANS_ONLY,
    ClustererParams,
    KMeansParams,
    fit_labels,
    make_clusterer,
)
from customer_segmentation.pipelines.model_selection.params import SamplingParams, SelectionParams

#: The scores of one candidate, as :func:`evaluate_clustering` returns them.
SCORES = (
    "silhouette",
    "silhouette_std",
    "calinski_harabasz",
    "davies_bouldin",
    "min_cluster_share",
    "inertia",
)
_SILHOUETTE_STREAM, _STABILITY_STREAM = 1, 2
_BLOCK_ROWS = 1024


def silhouette_values(values: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Silhouette of every row of ``values`` (euclidean) against the other rows given.

    Same definition as ``sklearn.metrics.silhouette_samples`` (a row alone in its cluster
    scores 0), computed in row blocks with one matrix product per block: O(n^2) time,
    O(block * n) memory. All zeros when fewer than two clusters are present.
    """
    _, codes = np.unique(labels, return_inverse=True)
    n, n_clusters = len(values), int(codes.max()) + 1 if len(codes) else 0
    if n_clusters < 2:
        return np.zeros(n)
    onehot = np.zeros((n, n_clusters))
    onehot[np.arange(n), codes] = 1.0
    counts = onehot.sum(axis=0)
    squared_norms = np.einsum("ij,ij->i", values, values)
    scores = np.empty(n)
    for start in range(0, n, _BLOCK_ROWS):
        stop = min(start + _BLOCK_ROWS, n)
        local = np.arange(stop - start)
        distances = squared_norms[start:stop, None] + squared_norms[None, :]
        distances -= 2.0 * (values[start:stop] @ values.T)
        np.maximum(distances, 0.0, out=distances)
        distances[local, local + start] = 0.0
        sums = np.sqrt(distances, out=distances) @ onehot
        own = codes[start:stop]
        with np.errstate(divide="ignore", invalid="ignore"):
            intra = sums[local, own] / (counts[own] - 1)
            means = sums / counts
            means[local, own] = np.inf
            inter = means.min(axis=1)
            scores[start:stop] = (inter - intra) / np.maximum(intra, inter)
    return np.nan_to_num(scores)


def stratified_rows(
    labels: np.ndarray, size: int, min_per_cluster: int, rng: np.random.Generator
) -> np.ndarray:
    """Sorted positions of at most ``size`` rows, every cluster represented.

    Each cluster first gets ``min(its size, min_per_cluster)`` rows; the rest of ``size`` is
    shared in proportion to the rows each cluster still has (largest remainder). All rows
    when ``len(labels) <= size``.
    """
    n = len(labels)
    if n <= size:
        return np.arange(n)
    clusters, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes, minlength=len(clusters))
    take = np.minimum(counts, min_per_cluster)
    left = max(size - int(take.sum()), 0)
    spare = counts - take
    if left and spare.sum():
        quota = spare * (left / spare.sum())
        extra = np.floor(quota).astype(np.int64)
        short = left - int(extra.sum())
        extra[np.argsort(extra - quota, kind="stable")[:short]] += 1
        take += np.minimum(extra, spare)
    rows = [
        rng.choice(np.flatnonzero(codes == c), size=int(take[c]), replace=False)
        for c in range(len(clusters))
    ]
    return np.sort(np.concatenate(rows))


def weighted_silhouette(values: np.ndarray, labels: np.ndarray, rows: np.ndarray) -> float:
    """Silhouette of ``rows``, each cluster's mean weighted by the cluster's share of all rows.

    Returns -1 (worst) when fewer than two clusters are present.
    """
    clusters, counts = np.unique(labels, return_counts=True)
    if len(clusters) < 2:
        return -1.0
    scores = silhouette_values(values[rows], labels[rows])
    sampled = labels[rows]
    means = np.array(
        [scores[sampled == c].mean() if (sampled == c).any() else 0.0 for c in clusters]
    )
    return float(np.dot(means, counts / counts.sum()))


def silhouette_estimate(
    values: np.ndarray, labels: np.ndarray, sampling: SamplingParams
) -> tuple[float, float]:
    """Mean silhouette and its spread: how much it moves from one sample of customers to another.

    The spread is the standard error of a silhouette measured on ``m`` customers, ``m`` the
    sample size. With more rows than one sample, ``silhouette_samples`` samples are drawn
    (sample ``r`` with ``numpy.random.default_rng([seed, 1, r])``: the same draws for every
    candidate, given its labels); the spread is the standard deviation of their estimates,
    corrected for the rows they share (divided by ``sqrt(1 - m / n)``, the finite-population
    factor: samples of most of the rows barely differ, independent ones would). With every
    row in one sample the mean is exact and the spread is the customers' silhouettes'
    standard deviation over ``sqrt(n)``: the same quantity, computed directly.
    """
    n = len(values)
    if n <= sampling.silhouette_sample_size:
        if len(np.unique(labels)) < 2:
            return -1.0, 0.0
        scores = silhouette_values(values, labels)
        return float(scores.mean()), float(scores.std(ddof=1) / np.sqrt(n))
    estimates = [
        weighted_silhouette(
            values,
            labels,
            stratified_rows(
                labels,
                sampling.silhouette_sample_size,
                sampling.min_rows_per_cluster,
                np.random.default_rng([sampling.seed, _SILHOUETTE_STREAM, r]),
            ),
        )
        for r in range(sampling.silhouette_samples)
    ]
    spread = 0.0
    if len(estimates) > 1:
        shared = sampling.silhouette_sample_size / n
        spread = float(np.std(estimates, ddof=1) / np.sqrt(1.0 - shared))
    return float(np.mean(estimates)), spread


def evaluate_clustering(  # noqa: PLR0913 - the candidate, its settings and where it is scored
    scaled: np.ndarray,
    k: int,
    kmeans: KMeansParams,
    sampling: SamplingParams,
    scoring_values: np.ndarray | None = None,
    *,
    algorithm: ClustererParams = KMEANS_ONLY,
) -> dict[str, float]:
    """Fit ``algorithm`` with ``k`` clusters on ``scaled``; return its quality scores.

    The labels are scored on ``scoring_values`` (same rows; default ``scaled`` itself):
    silhouette (mean and spread over stratified samples, :func:`silhouette_estimate`),
    Calinski-Harabasz and Davies-Bouldin on every row. inertia (the within-cluster sum of
    squares) and the smallest cluster share come from the fit.
    """
    labels, inertia = fit_labels(make_clusterer(algorithm, k, kmeans), scaled)
    values = scaled if scoring_values is None else scoring_values
    counts = np.bincount(labels, minlength=k)
    separable = int((counts > 0).sum()) >= 2
    silhouette, spread = silhouette_estimate(values, labels, sampling)
    return {
        "silhouette": silhouette,
        "silhouette_std": spread,
        "calinski_harabasz": float(calinski_harabasz_score(values, labels))
        if separable
        else float("nan"),
        "davies_bouldin": float(davies_bouldin_score(values, labels))
        if separable
        else float("nan"),
        "min_cluster_share": float(counts.min() / len(labels)),
        "inertia": inertia,
    }


def refit_stability(  # noqa: PLR0913
    scaled: np.ndarray,
    k: int,
    kmeans: KMeansParams,
    selection: SelectionParams,
    seed: int,
    *,
    algorithm: ClustererParams = KMEANS_ONLY,
) -> tuple[float, float]:
    """Mean and spread of the ARI between the fit on every row and re-fits on random subsets.

    Re-fit ``b`` (``selection.stability_resamples`` of them) uses
    ``selection.stability_sample_fraction`` of the rows drawn with
    ``numpy.random.default_rng([seed, 2, b])`` and its own seed; its model labels every row,
    which is compared with the labels of the fit on all rows.
    """
    reference, _ = fit_labels(make_clusterer(algorithm, k, kmeans), scaled)
    n = len(scaled)
    size = max(k, int(round(selection.stability_sample_fraction * n)))
    scores = []
    for b in range(selection.stability_resamples):
        rng = np.random.default_rng([seed, _STABILITY_STREAM, b])
        rows = np.sort(rng.choice(n, size=min(size, n), replace=False))
        settings = kmeans.model_copy(update={"random_state": kmeans.random_state + 1 + b})
        refit = make_clusterer(algorithm, k, settings).fit(scaled[rows])
        scores.append(adjusted_rand_score(reference, refit.predict(scaled)))
    spread = float(np.std(scores, ddof=1)) if len(scores) > 1 else 0.0
    return float(np.mean(scores)), spread
