"""Unit tests of the feature_engineering nodes on small hand-checked tables."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import invert_feature_transforms
from customer_segmentation.pipelines.feature_engineering.nodes import (
    CUSTOMER_FEATURES,
    aggregate_customers,
    build_model_input,
    resolve_snapshot_date,
    score_rfm,
)
from customer_segmentation.pipelines.feature_engineering.params import FeatureEngineeringParams
from customer_segmentation.snapshot import check_snapshot_date
from tests.pipelines.pipeline_helpers import typed_parameters

PARAMS: FeatureEngineeringParams = typed_parameters("feature_engineering")


def clean_table(rows: list[tuple]) -> ibis.Table:
    columns = ["invoice", "stock_code", "quantity", "invoice_date", "price", "customer_id"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["is_return"] = frame["quantity"] < 0
    frame["line_revenue"] = frame["quantity"] * frame["price"]
    return ibis.memtable(frame)


CLEAN = clean_table(
    [
        # customer A: three orders on days 0, 10 and 30, one return
        ("1", "P1", 2.0, "2011-01-01 10:00", 10.0, "A"),
        ("1", "P2", 1.0, "2011-01-01 10:00", 5.0, "A"),
        ("2", "P1", 4.0, "2011-01-11 09:00", 10.0, "A"),
        ("3", "P3", 10.0, "2011-01-31 17:00", 1.0, "A"),
        ("C4", "P1", -1.0, "2011-02-01 12:00", 10.0, "A"),
        # customer B: a single order
        ("5", "P9", 3.0, "2011-01-21 12:00", 2.0, "B"),
        # customer C: only a return, never an order in the data
        ("C6", "P9", -1.0, "2011-01-21 12:00", 2.0, "C"),
    ]
)


class TestSnapshot:
    def test_default_is_the_day_after_the_last_invoice(self):
        assert resolve_snapshot_date(CLEAN, None) == dt.date(2011, 2, 2)

    def test_parameter_wins(self):
        assert resolve_snapshot_date(CLEAN, "2011-03-01") == dt.date(2011, 3, 1)

    def test_bad_parameter_is_named(self):
        # in a run the parameter check stops this first; called alone, the same message
        with pytest.raises(InputValidationError) as error:
            resolve_snapshot_date(CLEAN, "01/03/2011")
        message = str(error.value)
        assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
        assert "'01/03/2011' is not an ISO date (YYYY-MM-DD)" in message

    @pytest.mark.parametrize("snapshot", ["2011-02-01", "2011-01-15"])
    def test_on_or_before_the_last_invoice_is_refused(self, snapshot):
        # still checked here: this pipeline can run alone on clean lines written earlier
        with pytest.raises(InputValidationError) as error:
            resolve_snapshot_date(CLEAN, snapshot)
        message = str(error.value)
        assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
        assert "on or before the last invoice (2011-02-01)" in message
        assert "recency would be negative" in message
        assert "2011-02-02 or later" in message

    def test_the_check_is_the_one_data_processing_runs(self):
        last = dt.date(2011, 2, 1)
        assert check_snapshot_date(None, last) == dt.date(2011, 2, 2)
        assert check_snapshot_date("2011-02-02", last) == dt.date(2011, 2, 2)
        # a date (the validated model field) is read alike
        assert check_snapshot_date(dt.date(2011, 2, 2), last) == dt.date(2011, 2, 2)
        with pytest.raises(InputValidationError, match="on or before the last invoice"):
            check_snapshot_date(last, last)


class TestAggregateCustomers:
    def test_hand_computed_features(self):
        features = aggregate_customers(CLEAN, dt.date(2011, 2, 2)).execute()
        assert features["customer_id"].tolist() == ["A", "B"]  # C has no order
        assert list(features.columns) == ["customer_id", *CUSTOMER_FEATURES]
        a, b = features.iloc[0], features.iloc[1]
        assert a["recency"] == 2 and a["tenure"] == 32
        assert a["frequency"] == 3
        assert a["monetary"] == pytest.approx(25 + 40 + 10 - 10)
        assert a["avg_order_value"] == pytest.approx(75 / 3)
        assert a["mean_days_between_purchases"] == pytest.approx(30 / 2)
        assert a["return_rate"] == pytest.approx(10 / 75)
        assert a["distinct_products"] == 3
        assert a["units_per_order"] == pytest.approx(17 / 3)
        assert b["recency"] == 12 and b["tenure"] == 12 and b["frequency"] == 1
        # a single order leaves the gap open: it is at least the tenure
        assert b["mean_days_between_purchases"] == pytest.approx(12)
        assert b["return_rate"] == 0

    def test_free_orders_only_are_no_returns(self):
        free = clean_table(
            [
                ("1", "P1", 2.0, "2011-01-01 10:00", 0.0, "F"),  # a free order, nothing returned
                ("2", "P1", 1.0, "2011-01-02 10:00", 0.0, "G"),  # a free order, returned
                ("C3", "P1", -1.0, "2011-01-03 10:00", 5.0, "G"),
            ]
        )
        features = aggregate_customers(free, dt.date(2011, 2, 2)).execute()
        assert features.set_index("customer_id")["return_rate"].to_dict() == {"F": 0.0, "G": 1.0}


def metrics(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "customer_id": [f"{i:05d}" for i in range(n)],
            "recency": rng.integers(1, 700, n),
            "frequency": rng.geometric(0.3, n),
            "monetary": rng.lognormal(6, 1.2, n),
            "avg_order_value": rng.lognormal(5, 0.8, n),
            "tenure": rng.integers(1, 730, n),
            "mean_days_between_purchases": rng.lognormal(3, 1, n),
            "return_rate": rng.beta(1, 20, n),
            "distinct_products": rng.geometric(0.05, n),
            "units_per_order": rng.lognormal(3, 1, n),
        }
    )
    return frame.sample(frac=1, random_state=seed)  # rows out of order on purpose


class TestRfm:
    # the segment rules (every cell named exactly once) are parameter rules: test_params.py

    def test_scores_are_even_quintiles_and_deterministic(self):
        scored = score_rfm(metrics(1000), PARAMS.rfm)
        for score in ("r_score", "f_score", "m_score"):
            assert scored[score].between(1, 5).all()
            # frequency has many ties: ranking first keeps every bin the same size
            assert scored[score].value_counts().tolist() == [200] * 5
        assert scored["customer_id"].is_monotonic_increasing
        assert scored["rfm_segment"].notna().all()
        pd.testing.assert_frame_equal(scored, score_rfm(metrics(1000), PARAMS.rfm))

    def test_most_recent_biggest_spenders_are_champions(self):
        scored = score_rfm(metrics(500), PARAMS.rfm)
        best = scored[(scored.r_score == 5) & (scored.f_score == 5) & (scored.m_score == 5)]
        assert (best["rfm_segment"] == "Champions").all()
        assert scored.loc[scored.recency.idxmin(), "r_score"] == 5

    def test_works_with_fewer_customers_than_bins(self):
        scored = score_rfm(metrics(3), PARAMS.rfm)
        assert scored["r_score"].between(1, 5).all()


class TestModelInput:
    def test_caps_logs_and_inverts(self):
        features = score_rfm(metrics(400), PARAMS.rfm)
        model_input, transforms = build_model_input(features, PARAMS.model)
        assert list(model_input.columns) == ["customer_id", *PARAMS.model.features]
        assert transforms["log1p_features"] == [
            f for f in PARAMS.model.features if f in PARAMS.model.log1p_features
        ]
        cap = transforms["caps"]["monetary"]["upper"]
        assert cap == pytest.approx(features["monetary"].quantile(0.99))
        assert model_input["monetary"].max() == pytest.approx(np.log1p(cap))
        back = invert_feature_transforms(model_input[["monetary"]], transforms)
        expected = features["monetary"].clip(upper=cap).to_numpy()
        np.testing.assert_allclose(back["monetary"].to_numpy(), expected)

    def test_the_configured_features_and_quantiles_are_used(self):
        model = typed_parameters(
            "feature_engineering",
            {"model": {"features": ["frequency", "recency"], "cap_quantiles": [0.1, 0.9]}},
        ).model
        features = metrics(50)
        model_input, transforms = build_model_input(features, model)
        assert list(model_input.columns) == ["customer_id", "frequency", "recency"]
        assert transforms["caps"]["recency"]["lower"] == pytest.approx(
            features["recency"].quantile(0.1)
        )

    def test_a_constant_feature_is_refused_in_raw_units(self):
        frame = metrics(50)
        frame["distinct_products"] = 1.0
        with pytest.raises(InputValidationError, match="is 1 for every customer") as error:
            build_model_input(frame, PARAMS.model)
        assert error.value.column == "distinct_products"

    def test_a_feature_that_capping_makes_constant_is_refused(self):
        frame = metrics(200)
        frame["distinct_products"] = 3.0
        frame.loc[0, "distinct_products"] = 40.0  # one customer above the 0.99 cap
        with pytest.raises(InputValidationError, match="once capped") as error:
            build_model_input(frame, PARAMS.model)
        assert "cap_quantiles" in error.value.fix

    # unknown features and bad quantiles are parameter rules: test_params.py


class TestWithoutProducts:
    def test_distinct_products_is_unknown_not_zero(self):
        no_products = CLEAN.mutate(stock_code=ibis.null("string"))
        features = aggregate_customers(no_products, dt.date(2011, 2, 2)).execute()
        assert features["distinct_products"].isna().all()

    def test_an_all_missing_model_feature_is_refused(self):
        frame = metrics(20)
        frame["distinct_products"] = np.nan
        with pytest.raises(InputValidationError, match="distinct_products"):
            build_model_input(frame, PARAMS.model)


class TestDistinctCounts:
    def test_orders_and_products_are_counted_once_per_customer(self):
        lines = clean_table(
            [
                # customer A: two lines of invoice 1 (one product twice), one of invoice 2
                ("1", "P1", 1.0, "2011-01-01 10:00", 2.0, "A"),
                ("1", "P1", 2.0, "2011-01-01 10:00", 2.0, "A"),
                ("2", "P2", 1.0, "2011-01-05 10:00", 3.0, "A"),
                # customer B: one order whose lines carry no product code
                ("3", None, 1.0, "2011-01-03 10:00", 5.0, "B"),
                ("3", None, 1.0, "2011-01-03 10:00", 5.0, "B"),
            ]
        )
        features = aggregate_customers(lines, dt.date(2011, 1, 6)).execute()
        a, b = features.iloc[0], features.iloc[1]
        assert (a["frequency"], a["distinct_products"]) == (2, 2)
        assert a["monetary"] == pytest.approx(9.0)
        assert b["frequency"] == 1 and pd.isna(b["distinct_products"])
