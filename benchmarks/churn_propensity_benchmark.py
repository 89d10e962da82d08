"""Wall time and peak memory of the ``churn_propensity`` model nodes on synthetic customers.

Draws N customers' features as of the cutoff (recency, frequency, monetary, tenure and the
rest of customer_metrics) with a fixed seed, and a churn label whose probability rises with
recency and falls with frequency (planted, so the AUC printed is what a model can reach on
such data). Then runs the nodes after the time split in order with the parameters of
conf/base/parameters_churn_propensity.yml: the cross-validation (n_splits fits), the fit on
the training sample (``max_training_customers``), the scoring of every customer, the
per-segment summary and the ranked list. Last, the fitted model scores customers it never saw
(a fresh draw, another seed): that held-out ROC AUC compares a sample's model with the full
one on the same customers. Measuring the features from lines is feature_engineering's work,
timed in ``scale_benchmark.py``.

    .venv/bin/python benchmarks/churn_propensity_benchmark.py            # 500,000 customers
    .venv/bin/python benchmarks/churn_propensity_benchmark.py 50000 --seed 1
    .venv/bin/python benchmarks/churn_propensity_benchmark.py --max-training-customers null
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from measure import base_parameters, emit, peak_rss_mib, timed
from sklearn.metrics import roc_auc_score

from customer_segmentation.pipelines.churn_propensity import model, nodes
from customer_segmentation.pipelines.churn_propensity.params import ChurnPropensityParams

SEGMENTS = ("Champions", "Loyal Regulars", "Lapsed / At Risk", "Occasional Buyers")


def synthetic_customers(n_customers: int, seed: int) -> pd.DataFrame:
    """Features as of the cutoff and a planted churn label (logistic in recency, frequency)."""
    rng = np.random.default_rng(seed)
    frequency = 1 + rng.poisson(3.0, n_customers).astype("float64")
    tenure = rng.uniform(30, 700, n_customers)
    recency = rng.uniform(0, 1, n_customers) * tenure
    aov = rng.gamma(2.0, 150.0, n_customers)
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(np.arange(n_customers)).map("C{:07d}".format),
            "recency": np.floor(recency),
            "frequency": frequency,
            "monetary": frequency * aov,
            "avg_order_value": aov,
            "tenure": np.floor(tenure),
            "mean_days_between_purchases": tenure / frequency,
            "return_rate": rng.beta(0.5, 10.0, n_customers),
            "distinct_products": np.floor(frequency * rng.uniform(1, 20, n_customers)),
            "units_per_order": rng.gamma(3.0, 50.0, n_customers),
        }
    )
    logit = (recency - 150.0) / 60.0 - 0.4 * (frequency - 4.0)
    churned = rng.uniform(size=n_customers) < 1 / (1 + np.exp(-logit))
    frame[nodes.LABEL] = churned.astype("int64")
    return frame


#: ``--max-training-customers`` not given: the value of conf/base (not a string, which
#: argparse would pass through ``type``)
FROM_CONF = object()


def training_limit(text: str) -> int | None:
    """``--max-training-customers``: a number, or null / none for every customer."""
    return None if text.lower() in ("null", "none") else int(text)


def main() -> None:
    """Parse arguments, generate customers, run and time the nodes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_customers", nargs="?", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    parser.add_argument(
        "--max-training-customers",
        type=training_limit,
        default=FROM_CONF,
        help="churn_propensity.max_training_customers: a number, or null for every customer "
        "(default: as in conf/base)",
    )
    parser.add_argument(
        "--held-out",
        type=int,
        default=100_000,
        help="fresh customers (seed + 2) the fitted model scores for the held-out ROC AUC",
    )
    args = parser.parse_args()

    raw = base_parameters("churn_propensity")
    if args.max_training_customers is not FROM_CONF:
        raw = {**raw, "max_training_customers": args.max_training_customers}
    params = ChurnPropensityParams.model_validate(raw)

    training, _ = timed(
        f"generate {args.n_customers:,} customers", synthetic_customers, args.n_customers, args.seed
    )
    rng = np.random.default_rng(args.seed + 1)
    segments = pd.DataFrame(
        {"customer_id": training["customer_id"], "segment": rng.choice(SEGMENTS, len(training))}
    )
    dates = {"first_invoice": "2010-01-01", "cutoff": "2011-09-11", "end": "2011-12-10"}
    (metrics, _), cv_s = timed(
        f"cross_validate_churn ({params.n_splits} fits)",
        nodes.cross_validate_churn,
        training,
        dates,
        params,
    )
    fitted, fit_s = timed("fit_churn_model", nodes.fit_churn_model, training, params)
    scoring = training.drop(columns=nodes.LABEL)
    scored, score_s = timed("score_churn", nodes.score_churn, fitted, scoring, segments, params)
    _, summary_s = timed("summarise_churn_segments", nodes.summarise_churn_segments, scored)
    _, rank_s = timed("rank_churn_targets", nodes.rank_churn_targets, scored, params)
    total = cv_s + fit_s + score_s + summary_s + rank_s
    emit(f"{'total (without generation)':<34} {total:8.2f} s")
    emit(f"peak RSS: {peak_rss_mib():.0f} MiB")
    emit(
        f"customers {len(training):,}, trained on {metrics['training_customers']:,} "
        f"(max_training_customers {params.max_training_customers}), churn rate "
        f"{metrics['churn_rate']:.3f}, threads {params.classifier.n_threads}; "
        f"fit {fit_s:.2f} s, scoring {score_s:.2f} s"
    )
    emit(
        f"cross-validated ROC AUC {metrics['roc_auc_mean']:.4f} ± {metrics['roc_auc_std']:.4f}, "
        f"Brier {metrics['brier_score']:.4f} (base rate {metrics['brier_score_base_rate']:.4f})"
    )
    held_out = synthetic_customers(args.held_out, args.seed + 2)
    features = held_out[list(params.features)].to_numpy("float64")
    probability = model.score(fitted, features, params)
    emit(
        f"held-out ROC AUC {roc_auc_score(held_out[nodes.LABEL], probability):.4f} "
        f"({args.held_out:,} fresh customers, seed {args.seed + 2})"
    )


if __name__ == "__main__":
    main()
