"""The published CDNOW fits, reproduced through this pipeline's nodes.

The CDNOW sample (2,357 customers, 1997-01-01 to 1998-06-30) ships inside lifetimes, read
here from the installed package (no network). Fader, Hardie and Lee (2005), "Counting your
customers the easy way", fit BG/NBD on the 39 weeks to 1997-09-30: r = 0.243,
alpha = 4.414 (weeks), a = 0.793, b = 2.426; their Gamma-Gamma note ("The Gamma-Gamma model
of monetary value", 2013) fits the repeat buyers' mean spend: p = 6.25, q = 3.74, v = 15.44.
"""

from __future__ import annotations

import importlib.resources

import ibis
import pandas as pd
import pytest

from customer_segmentation.pipelines.customer_value import engine, nodes
from tests.pipelines.pipeline_helpers import typed_parameters

CALIBRATION_END = "1997-09-30"


@pytest.fixture(scope="module")
def cdnow_lines() -> ibis.Table:
    path = importlib.resources.files("lifetimes") / "datasets" / "CDNOW_sample.txt"
    with path.open() as file:
        raw = pd.read_csv(
            file,
            sep=r"\s+",
            header=None,
            names=["master_id", "customer_id", "date", "cds", "spend"],
            dtype={"master_id": str, "customer_id": str, "date": str},
        )
    return ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": raw["customer_id"],
                "invoice_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
                "line_revenue": raw["spend"].astype("float64"),
                "is_return": False,
            }
        )
    )


def test_bg_nbd_and_gamma_gamma_reproduce_the_published_cdnow_parameters(cdnow_lines):
    # the calibration period of the paper: customers who bought by 1997-09-30, days as units;
    # the paper's fits are plain maximum likelihood (no penalty), whatever the default
    params = typed_parameters(
        "customer_value",
        {
            "observation_end": CALIBRATION_END,
            "holdout_days": 200,
            "bg_nbd": {"penalizer": 0.0},
            "gamma_gamma": {"penalizer": 0.0},
        },
    )
    periods = nodes.order_periods(cdnow_lines, params)
    calibration = periods[periods["period"] <= periods["period"].min() + 272]
    summary = nodes.summarise_customers(calibration, params)
    assert len(summary) == 2357
    assert summary["T"].max() == 272  # 38.86 weeks: 1997-01-01 to 1997-09-30

    bg_nbd = engine.fit_bg_nbd(
        summary["frequency"], summary["recency"], summary["T"], params.bg_nbd
    )
    # alpha is per time unit: per day here, per week in the paper (r, a, b have no unit)
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    fitted = {**bg_nbd, "alpha": bg_nbd["alpha"] / 7}
    assert {k: round(fitted[k], 2) for k in published} == {
        k: round(v, 2) for k, v in published.items()
    }

    repeat = summary[summary["frequency"] > 0]
    gamma_gamma = engine.fit_gamma_gamma(
        repeat["frequency"], repeat["monetary_value"], params.gamma_gamma
    )
    assert {k: round(v, 2) for k, v in gamma_gamma.items()} == {"p": 6.25, "q": 3.74, "v": 15.44}


def test_the_holdout_prediction_on_cdnow_is_close_to_the_actual_purchases(cdnow_lines):
    # the paper's split: 39 weeks to calibrate, the next 39 weeks (to 1998-06-30) held out
    params = typed_parameters(
        "customer_value", {"observation_end": "1998-06-30", "holdout_days": 273}
    )
    periods = nodes.order_periods(cdnow_lines, params)
    calibration = nodes.split_calibration_holdout(periods, params)
    assert len(calibration) == 2357
    model = nodes.fit_value_models(nodes.summarise_customers(periods, params), calibration, params)
    segments = pd.DataFrame({"customer_id": calibration["customer_id"], "segment": "CDNOW"})
    table = nodes.validate_holdout(calibration, model, segments, params).set_index("segment")
    overall = table.loc[nodes.ALL_CUSTOMERS]
    # counted once per day: 1,653 repeat purchases predicted for the 39 weeks, 1,882 made
    assert overall["actual_purchases"] == 1882
    assert -0.15 < overall["relative_error"] < -0.05, overall
    assert overall["customers"] == 2357
