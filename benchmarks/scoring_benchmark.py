"""Wall time of scoring customers with a saved model, and how it grows with the customers.

Fits a :class:`~customer_segmentation.model.segmentation_model.SegmentationModel` the way
``clustering`` does (caps and signed log1p, standard scaler + KMeans, the reference profile
of the training customers) on synthetic customer tables, then times ``score_customers`` (the
``scoring`` node: transforms, assignment, the outside-the-range flags) and ``measure_drift``
on tables of doubling size. Prints seconds, microseconds per customer and the ratio per
doubling (1.0 = linear); a shared machine is noisy, so compare ratios within one run.

    .venv/bin/python benchmarks/scoring_benchmark.py                 # 62,500 .. 500,000
    .venv/bin/python benchmarks/scoring_benchmark.py --largest 2000000
"""

from __future__ import annotations

import argparse
import logging
import resource
import time

import numpy as np
import pandas as pd
from measure import emit
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from customer_segmentation.model.reference import DriftThresholds, reference_profile
from customer_segmentation.model.segmentation_model import SegmentationModel
from customer_segmentation.model.transforms import apply_feature_transforms
from customer_segmentation.pipelines.feature_engineering.params import CUSTOMER_FEATURES
from customer_segmentation.pipelines.scoring.nodes import measure_drift, score_customers
from customer_segmentation.pipelines.scoring.params import ScoringParams

FEATURES = list(CUSTOMER_FEATURES)
SCORING = ScoringParams(outside_margin=0.5, max_outside_share=0.05, refuse_up_to_customers=0)
DRIFT = DriftThresholds(psi_watch=0.1, psi_shift=0.25, ks_shift=0.1, significance=0.01)


def customer_table(n_customers: int, seed: int) -> pd.DataFrame:
    """``n_customers`` rows of positive, skewed features around four groups."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(1.0, 6.0, size=(4, len(FEATURES)))
    groups = rng.choice(4, size=n_customers)
    values = np.expm1(
        np.abs(centres[groups] + rng.normal(scale=0.5, size=(n_customers, len(FEATURES))))
    )
    frame = pd.DataFrame(values, columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:08d}" for i in range(n_customers)])
    return frame


def fitted_model(training: pd.DataFrame) -> SegmentationModel:
    raw = training[FEATURES]
    transforms = {
        "model_features": FEATURES,
        "log1p_features": FEATURES,
        "caps": {
            f: {"lower": float(raw[f].quantile(0.0)), "upper": float(raw[f].quantile(0.99))}
            for f in FEATURES
        },
    }
    model_input = apply_feature_transforms(training, transforms)
    estimator = Pipeline(
        [("scaler", StandardScaler()), ("kmeans", KMeans(4, n_init=3, random_state=0))]
    )
    estimator.fit(model_input[FEATURES])
    segments = pd.DataFrame(
        {"cluster": range(4), "segment": [f"S{i}" for i in range(4)], "goal": "", "actions": ""}
    )
    return SegmentationModel(
        transforms, estimator, segments, reference_profile(training, FEATURES, 10, 5000, 0)
    )


def seconds(func, *args) -> float:
    start = time.perf_counter()
    func(*args)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--largest", type=int, default=500_000, help="customers of the last size")
    parser.add_argument("--sizes", type=int, default=4, help="how many doubling sizes")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    args = parser.parse_args()
    # the synthetic tails put some customers outside the range on purpose: no warning each time
    logging.getLogger("customer_segmentation.pipelines.scoring").setLevel(logging.ERROR)
    model = fitted_model(customer_table(50_000, seed=0))
    sizes = [args.largest // 2**i for i in reversed(range(args.sizes))]
    emit("| customers | score s | drift s | us per customer | ratio per doubling |")
    emit("| ---: | ---: | ---: | ---: | ---: |")
    previous = None
    for size in sizes:
        table = customer_table(size, seed=1)
        score = min(seconds(score_customers, table, model, SCORING) for _ in range(args.repeats))
        drift = min(seconds(measure_drift, table, model, DRIFT) for _ in range(args.repeats))
        ratio = "" if previous is None else f"{(score + drift) / previous:.2f}"
        previous = score + drift
        per = 1e6 * (score + drift) / size
        emit(f"| {size:,} | {score:.2f} | {drift:.2f} | {per:.1f} | {ratio} |")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    emit(f"peak RSS {peak:.0f} MiB (linear: ratio near 2.0 per doubling)")


if __name__ == "__main__":
    main()
