"""Fit and predict time of each clustering algorithm, and how it grows with the customers.

Synthetic customers (9 standardized features, 4 planted groups of unequal spread, like the
model input after scaling) at each size; every algorithm of
:mod:`customer_segmentation.model.algorithms` fits K=4 on all of them and predicts them,
with the settings below. Prints seconds, the ratio to the previous size (5x the customers:
5.0 = linear), and the adjusted Rand index against the planted groups.

    .venv/bin/python benchmarks/algorithm_benchmark.py                   # 100,000 and 500,000
    .venv/bin/python benchmarks/algorithm_benchmark.py --sizes 20000 100000
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from measure import emit
from sklearn.metrics import adjusted_rand_score
from threadpoolctl import threadpool_limits

from customer_segmentation.model import ALGORITHMS, ClustererParams, KMeansParams, make_clusterer

FIT = KMeansParams(n_init=3, max_iter=300, algorithm="lloyd", random_state=0)
FEATURES = 9
SPREADS = (0.6, 0.9, 1.2, 2.0)


def customers(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` customers around four centres of unequal spread, and their planted group."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-4.0, 4.0, size=(len(SPREADS), FEATURES))
    groups = rng.choice(len(SPREADS), size=n, p=[0.15, 0.3, 0.35, 0.2])
    spread = np.asarray(SPREADS)[groups][:, None]
    return centres[groups] + rng.normal(size=(n, FEATURES)) * spread, groups


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 500_000])
    parser.add_argument("--threads", type=int, default=1, help="BLAS/OpenMP threads")
    args = parser.parse_args()
    emit("| algorithm | customers | fit + predict s | ratio to previous size | ARI vs planted |")
    emit("| --- | ---: | ---: | ---: | ---: |")
    data = {size: customers(size, seed=1) for size in args.sizes}
    for name in ALGORITHMS:
        previous = None
        for size in args.sizes:
            values, truth = data[size]
            start = time.perf_counter()
            with threadpool_limits(limits=args.threads):
                labels = (
                    make_clusterer(
                        ClustererParams(name=name, covariance_type="diag", batch_size=4096), 4, FIT
                    )
                    .fit(values)
                    .predict(values)
                )
            seconds = time.perf_counter() - start
            ratio = "" if previous is None else f"{seconds / previous:.1f}"
            previous = seconds
            ari = adjusted_rand_score(truth, labels)
            emit(f"| {name} | {size:,} | {seconds:.2f} | {ratio} | {ari:.3f} |")


if __name__ == "__main__":
    main()
