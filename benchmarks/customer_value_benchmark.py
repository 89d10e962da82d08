"""Wall time and peak memory of the ``customer_value`` nodes on synthetic customers.

Draws N customers from the BG/NBD and Gamma-Gamma generative processes with a fixed seed
(purchase rate ~ Gamma(r, alpha), drop-out after each purchase with p ~ Beta(a, b), spend per
purchase ~ Gamma(p, nu) with nu ~ Gamma(q, v); the published CDNOW values, alpha per day),
first purchases spread over the first 600 of 730 days, as spend per customer and purchase
day (what ``order_periods`` makes from the clean lines). Then runs the pipeline's nodes in
order with the parameters of conf/base/parameters_customer_value.yml and prints the time
of each step, the fit and scoring times, peak RSS and the parameters recovered.

    .venv/bin/python benchmarks/customer_value_benchmark.py            # 500,000 customers
    .venv/bin/python benchmarks/customer_value_benchmark.py 50000 --seed 1
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from measure import base_parameters, emit, peak_rss_mib, timed

from customer_segmentation.pipelines.customer_value import nodes
from customer_segmentation.pipelines.customer_value.params import CustomerValueParams

#: Fader, Hardie and Lee's CDNOW fits; alpha per day (4.414 weeks).
TRUE_BG_NBD = {"r": 0.243, "alpha": 4.414 * 7, "a": 0.793, "b": 2.426}
TRUE_GAMMA_GAMMA = {"p": 6.25, "q": 3.74, "v": 15.44}
DAYS = 730
FIRST_PURCHASE_DAYS = 600
SEGMENTS = ("Champions", "Loyal Regulars", "Lapsed / At Risk", "Occasional Buyers")


def synthetic_order_days(n_customers: int, seed: int) -> pd.DataFrame:
    """Spend per customer and purchase day, drawn from BG/NBD and Gamma-Gamma."""
    rng = np.random.default_rng(seed)
    rate = rng.gamma(TRUE_BG_NBD["r"], 1 / TRUE_BG_NBD["alpha"], n_customers)
    dropout = rng.beta(TRUE_BG_NBD["a"], TRUE_BG_NBD["b"], n_customers)
    spend_rate = rng.gamma(TRUE_GAMMA_GAMMA["q"], 1 / TRUE_GAMMA_GAMMA["v"], n_customers)
    customers = np.arange(n_customers)
    time_now = rng.uniform(0, FIRST_PURCHASE_DAYS, n_customers)
    ids, days = [customers], [np.floor(time_now)]
    active = customers
    while active.size:
        # the next purchase, if before the end; after each repeat purchase the customer
        # drops out with probability p (never after the first: BG/NBD's likelihood for x = 0
        # is exp(-lambda T))
        time_now[active] += rng.exponential(1 / rate[active])
        active = active[time_now[active] < DAYS]
        ids.append(active)
        days.append(np.floor(time_now[active]))
        active = active[rng.random(active.size) >= dropout[active]]
    customer = np.concatenate(ids)
    spend = rng.gamma(TRUE_GAMMA_GAMMA["p"], 1 / spend_rate[customer])
    frame = pd.DataFrame(
        {
            "customer_id": pd.Series(customer).map("C{:07d}".format),
            "period": np.concatenate(days).astype("int64") + 14_975,  # 2011-01-01
            "spend": spend,
        }
    )
    # several purchases on one day are one purchase day
    frame = frame.groupby(["customer_id", "period"], as_index=False)["spend"].sum()
    return frame.sort_values(["customer_id", "period"], ignore_index=True)


def main() -> None:
    """Parse arguments, generate customers, run and time the nodes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_customers", nargs="?", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=0, help="data seed (default 0)")
    args = parser.parse_args()

    params = CustomerValueParams.model_validate(base_parameters("customer_value"))

    periods, _ = timed(
        f"generate {args.n_customers:,} customers",
        synthetic_order_days,
        args.n_customers,
        args.seed,
    )
    rng = np.random.default_rng(args.seed + 1)
    ids = periods["customer_id"].unique()
    segments = pd.DataFrame({"customer_id": ids, "segment": rng.choice(SEGMENTS, ids.size)})

    rfm, summarise_s = timed("summarise_customers", nodes.summarise_customers, periods, params)
    calibration, split_s = timed(
        "split_calibration_holdout", nodes.split_calibration_holdout, periods, params
    )
    model, fit_s = timed(
        "fit_value_models (3 fits)", nodes.fit_value_models, rfm, calibration, params
    )
    value, score_s = timed(
        "score_customers (CLV)", nodes.score_customers, rfm, model, segments, params
    )
    _, segments_s = timed("summarise_segments", nodes.summarise_segments, value)
    validation, validate_s = timed(
        "validate_holdout", nodes.validate_holdout, calibration, model, segments, params
    )
    total = summarise_s + split_s + fit_s + score_s + segments_s + validate_s
    emit(f"{'total (without generation)':<34} {total:8.2f} s")
    emit(f"peak RSS: {peak_rss_mib():.0f} MiB")
    emit(
        f"customers {len(rfm):,}, purchase days {len(periods):,}, "
        f"repeat customers {model['repeat_customers']:,}; fit {fit_s:.2f} s, "
        f"scoring {score_s:.2f} s"
    )
    fitted = {**model["bg_nbd"], **model["gamma_gamma"]}
    truth = {**TRUE_BG_NBD, **TRUE_GAMMA_GAMMA}
    emit("recovered " + ", ".join(f"{k} {fitted[k]:.3f} ({truth[k]:.3f})" for k in truth))
    overall = validation.set_index("segment").loc[nodes.ALL_CUSTOMERS]
    emit(
        f"holdout: predicted {overall['predicted_purchases']:,.0f}, "
        f"actual {overall['actual_purchases']:,}, error {overall['relative_error']:+.1%}"
    )


if __name__ == "__main__":
    main()
