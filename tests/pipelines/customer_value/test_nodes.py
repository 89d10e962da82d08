"""The customer_value nodes on small hand-checked tables, and their one-line errors."""

from __future__ import annotations

import subprocess
import sys
import warnings

import ibis
import numpy as np
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.customer_value import engine, nodes
from customer_segmentation.pipelines.customer_value.params import CustomerValueParams
from tests.pipelines.pipeline_helpers import one_line, rejected_parameters, typed_parameters


def params(**overrides) -> CustomerValueParams:
    return typed_parameters("customer_value", {"min_customers": 2, **overrides})


def lines(rows: list[tuple[str, str, float]]) -> ibis.Table:
    """Clean lines (customer, timestamp, revenue); a negative revenue is a return."""
    frame = pd.DataFrame(rows, columns=["customer_id", "invoice_date", "line_revenue"])
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"])
    frame["is_return"] = frame["line_revenue"] < 0
    frame["invoice"] = "1"
    return ibis.memtable(frame)


LINES = lines(
    [
        # A: days 0 (two lines, one order day), 10 and 30, and a return on day 31
        ("A", "2011-01-01 10:00", 20.0),
        ("A", "2011-01-01 15:00", 5.0),
        ("A", "2011-01-11 09:00", 40.0),
        ("A", "2011-01-31 17:00", 10.0),
        ("A", "2011-02-01 12:00", -10.0),
        # B: a single order on day 20; C: only a return
        ("B", "2011-01-21 12:00", 6.0),
        ("C", "2011-01-21 12:00", -2.0),
        # D: the last purchase of the data, day 40
        ("D", "2011-01-05 08:00", 3.0),
        ("D", "2011-02-10 08:00", 7.0),
    ]
)


def test_summary_counts_repeat_purchase_days_and_leaves_out_returns():
    periods = nodes.order_periods(LINES, params())
    summary = nodes.summarise_customers(periods, params()).set_index("customer_id")
    assert list(summary.index) == ["A", "B", "D"]  # C never bought
    assert summary.loc["A"].tolist() == [2, 30.0, 40.0, 25.0]  # repeats 40 and 10: mean 25
    assert summary.loc["B"].tolist() == [0, 0.0, 20.0, 0.0]
    assert summary.loc["D"].tolist() == [1, 36.0, 36.0, 7.0]


def test_weeks_count_one_purchase_per_week():
    weekly = params(time_unit="W", holdout_days=14)
    summary = nodes.summarise_customers(nodes.order_periods(LINES, weekly), weekly)
    a = summary.set_index("customer_id").loc["A"]
    # 1970-01-01 is a Thursday: days 0, 10, 30 from 2011-01-01 fall in three weeks
    assert a["frequency"] == 2 and a["T"] > a["recency"] > 0


def test_calibration_counts_purchases_in_the_holdout():
    # the last 15 days (days 26-40) are held out: A's day 30 and D's day 40 fall in them
    split = nodes.split_calibration_holdout(
        nodes.order_periods(LINES, params()), params(holdout_days=15)
    )
    split = split.set_index("customer_id")
    assert split["frequency_holdout"].to_dict() == {"A": 1, "B": 0, "D": 1}
    assert split.loc["A", "frequency"] == 1 and split.loc["A", "T"] == 25
    assert (split["duration_holdout"] == 15).all()


def test_order_periods_pins_values_dtypes_and_order():
    table = lines(
        [
            # as text "10" < "100" < "9" < "B" < "a" (code points), unlike as numbers or
            # in a locale's collation
            ("a", "2011-01-02 09:00", 1.0),
            ("9", "2011-01-03 09:00", 2.5),
            ("100", "2011-01-01 09:00", 4.0),
            ("B", "2011-01-01 09:00", 3.0),
            ("10", "2011-01-05 09:00", 1.0),
            # two lines on one day: one purchase unit, their sum exact (0.1 + 0.2 = 0.3)
            ("10", "2011-01-02 18:00", 0.2),
            ("10", "2011-01-02 08:00", 0.1),
            # a return is left out, so "9" has one unit
            ("9", "2011-01-04 09:00", -2.5),
        ]
    )
    expected = pd.DataFrame(
        {
            "customer_id": pd.Series(["10", "10", "100", "9", "B", "a"], dtype="str"),
            "period": np.array([14976, 14979, 14975, 14977, 14975, 14976], dtype="int64"),
            "spend": np.array([0.3, 1.0, 4.0, 2.5, 3.0, 1.0], dtype="float64"),
        }
    )
    periods = nodes.order_periods(table, params())
    pd.testing.assert_frame_equal(periods, expected, check_exact=True)
    weekly = nodes.order_periods(table, params(time_unit="W", holdout_days=14))
    # 2011-01-01 (day 14975) is a Saturday: week 2139 ends on Wednesday 2011-01-05
    assert weekly["customer_id"].tolist() == ["10", "100", "9", "B", "a"]
    assert weekly["period"].tolist() == [2139] * 5
    assert weekly["spend"].tolist() == [1.3, 4.0, 2.5, 3.0, 1.0]


def _generated(customers: int = 400, seed: int = 3) -> ibis.Table:
    """Clean lines of customers buying at random over a year (BG/NBD- and Gamma-Gamma-like:
    each customer's rate, lifetime and mean spend differ)."""
    rng = np.random.default_rng(seed)
    rows = []
    for customer in range(customers):
        start = rng.integers(0, 200)
        rate = rng.gamma(1.0, 0.05)
        life = rng.exponential(300)
        spend_rate = rng.gamma(4.0, 1 / 15)
        day = start
        while day < min(365, start + life):
            rows.append((f"c{customer:04d}", day, float(rng.gamma(6.0, 1 / spend_rate))))
            day += 1 + int(rng.exponential(1 / rate))
    frame = pd.DataFrame(rows, columns=["customer_id", "day", "line_revenue"])
    frame["invoice_date"] = pd.Timestamp("2011-01-01") + pd.to_timedelta(frame["day"], "D")
    frame["is_return"] = False
    return ibis.memtable(frame.drop(columns="day"))


@pytest.fixture(scope="module")
def scored() -> dict[str, pd.DataFrame]:
    p = params(holdout_days=90)
    periods = nodes.order_periods(_generated(), p)
    rfm = nodes.summarise_customers(periods, p)
    calibration = nodes.split_calibration_holdout(periods, p)
    model = nodes.fit_value_models(rfm, calibration, p)
    segments = pd.DataFrame({"customer_id": rfm["customer_id"][:-5]})
    segments["segment"] = np.where(rfm["frequency"][:-5] > 2, "Frequent", "Rare")
    value = nodes.score_customers(rfm, model, segments, p)
    return {
        "rfm": rfm,
        "model": model,
        "value": value,
        "segments": nodes.summarise_segments(value),
        "validation": nodes.validate_holdout(calibration, model, segments, p),
    }


def test_every_customer_gets_a_value_and_unknown_ones_no_segment(scored):
    value = scored["value"]
    assert list(value.columns) == nodes.VALUE_COLUMNS
    assert value["customer_id"].tolist() == scored["rfm"]["customer_id"].tolist()
    assert value["probability_alive"].between(0, 1).all()
    assert (value["clv"] >= 0).all() and (value["expected_spend"] > 0).all()
    assert (value["segment"] == nodes.NOT_SEGMENTED).sum() == 5
    # a customer who bought often and recently is worth more than one who bought once
    by_frequency = value.groupby(value["frequency"] > 3)["clv"].mean()
    assert by_frequency[True] > 3 * by_frequency[False]


def test_clv_follows_the_horizon_and_the_discount_rate(scored):
    rfm, model = scored["rfm"], scored["model"]
    segments = pd.DataFrame({"customer_id": [], "segment": []})
    base = nodes.score_customers(rfm, model, segments, params())["clv"]
    longer = nodes.score_customers(rfm, model, segments, params(horizon_months=24))["clv"]
    dearer = nodes.score_customers(rfm, model, segments, params(monthly_discount_rate=0.05))
    assert (longer > base).all() and (dearer["clv"] < base).all()


def test_segment_summary_adds_up_to_every_customer(scored):
    value, summary = scored["value"], scored["segments"]
    assert summary["customers"].sum() == len(value)
    assert summary["total_clv"].sum() == pytest.approx(value["clv"].sum())
    assert summary["clv_share"].sum() == pytest.approx(1.0)
    assert summary["total_clv"].is_monotonic_decreasing


def test_holdout_validation_per_segment_and_overall(scored):
    table = scored["validation"].set_index("segment")
    assert list(table.index) == [nodes.ALL_CUSTOMERS, "(not segmented)", "Frequent", "Rare"]
    overall = table.loc[nodes.ALL_CUSTOMERS]
    parts = table.drop(index=nodes.ALL_CUSTOMERS)
    assert parts["actual_purchases"].sum() == overall["actual_purchases"] > 0
    assert parts["predicted_purchases"].sum() == pytest.approx(overall["predicted_purchases"])
    assert abs(overall["relative_error"]) < 0.3


def test_same_input_gives_the_same_fit_and_values(scored):
    p = params(holdout_days=90)
    periods = nodes.order_periods(_generated(), p)
    rfm = nodes.summarise_customers(periods, p)
    model = nodes.fit_value_models(rfm, nodes.split_calibration_holdout(periods, p), p)
    assert model == scored["model"]


class TestOneLineErrors:
    def test_a_missing_line_column_names_the_parameter_that_maps_it(self):
        table = LINES.drop("line_revenue")
        with pytest.raises(InputValidationError) as error:
            nodes.order_periods(table, params())
        message = one_line(error.value)
        assert "dataset 'clean_transactions', column 'line_revenue': is missing" in message
        assert "customer_value.columns.revenue" in message

    def test_a_missing_segment_column_is_named(self, scored):
        segments = pd.DataFrame({"customer_id": ["A"], "cluster": [0]})
        with pytest.raises(InputValidationError) as error:
            nodes.score_customers(scored["rfm"], scored["model"], segments, params())
        message = one_line(error.value)
        assert "dataset 'customer_segments', column 'segment'" in message
        assert "customer_value.segment_column" in message

    def test_an_observation_end_before_the_last_purchase(self):
        periods = nodes.order_periods(LINES, params())
        with pytest.raises(InputValidationError) as error:
            nodes.summarise_customers(periods, params(observation_end="2011-02-01"))
        assert "parameter 'customer_value.observation_end'" in one_line(error.value)

    def test_too_few_customers_before_the_holdout(self):
        periods = nodes.order_periods(LINES, params())
        with pytest.raises(InputValidationError) as error:
            nodes.split_calibration_holdout(periods, params(holdout_days=40, min_customers=3))
        assert "calibration period" in one_line(error.value)

    def test_only_returns(self):
        returns = lines([("A", "2011-01-01", -3.0), ("B", "2011-01-02", -1.0)])
        periods = nodes.order_periods(returns, params())
        with pytest.raises(InputValidationError) as error:
            nodes.summarise_customers(periods, params())
        assert "no order line" in one_line(error.value)

    def test_no_repeat_buyer_for_gamma_gamma(self):
        once = lines([("A", "2011-01-01", 3.0), ("B", "2011-01-02", 1.0), ("C", "2011-01-09", 2.0)])
        p = params(holdout_days=2)
        periods = nodes.order_periods(once, p)
        rfm = nodes.summarise_customers(periods, p)
        with pytest.raises(InputValidationError) as error:
            nodes.fit_value_models(rfm, nodes.split_calibration_holdout(periods, p), p)
        assert "repeat purchase" in one_line(error.value)


class TestEngine:
    def test_a_fit_that_does_not_converge_names_the_penalizer(self):
        # every repeat buyer spends the same: Gamma-Gamma's spread between customers is 0
        same = pd.Series([10.0] * 50)
        with pytest.raises(InputValidationError) as error:
            engine.fit_gamma_gamma(pd.Series([2] * 50), same, params().gamma_gamma)
        message = one_line(error.value)
        assert "parameter 'customer_value.gamma_gamma.penalizer': the model did not converge" in (
            message
        )

    def test_the_fits_give_lifetimes_own_parameters(self, scored):
        rfm, fit = scored["rfm"], params().bg_nbd
        ours = engine.fit_bg_nbd(rfm["frequency"], rfm["recency"], rfm["T"], fit)
        groups = rfm[engine.HISTORY].value_counts().sort_index().reset_index(name="weight")
        with warnings.catch_warnings():
            theirs = engine.BetaGeoFitter(penalizer_coef=fit.penalizer).fit(
                groups["frequency"],
                groups["recency"],
                groups["T"],
                weights=groups["weight"],
                tol=fit.tolerance,
            )
        assert ours == {name: float(theirs.params_[name]) for name in engine.BG_NBD_PARAMETERS}

    @pytest.mark.parametrize("time_unit", ["D", "W"])
    def test_lifetime_value_is_lifetimes_own_to_the_last_bit(self, scored, time_unit):
        rfm, model = scored["rfm"], scored["model"]
        ours = engine.lifetime_value(
            model["bg_nbd"],
            model["gamma_gamma"],
            rfm,
            months=7,
            monthly_discount_rate=0.02,
            time_unit=time_unit,
        )
        with warnings.catch_warnings():
            theirs = engine.gamma_gamma(model["gamma_gamma"]).customer_lifetime_value(
                engine.bg_nbd(model["bg_nbd"]),
                rfm["frequency"],
                rfm["recency"],
                rfm["T"],
                rfm["monetary_value"],
                time=7,
                discount_rate=0.02,
                freq=time_unit,
            )
        # many customers share a history, so the shortcut is exercised
        assert rfm[engine.HISTORY].duplicated().sum() > 0
        np.testing.assert_array_equal(ours, theirs.to_numpy())

    def test_importing_lifetimes_through_the_engine_keeps_future_warnings(self):
        code = (
            "import warnings; import customer_segmentation.pipelines.customer_value.engine; "
            "assert not [f for f in warnings.filters if f[2] is FutureWarning], warnings.filters"
        )
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)

    def test_the_fits_leave_the_warning_filters_and_stdout_as_they_were(self, capsys):
        rng = np.random.default_rng(0)
        before = list(warnings.filters)
        engine.fit_gamma_gamma(
            pd.Series(rng.integers(1, 5, 300)),
            pd.Series(rng.gamma(4.0, 10.0, 300)),
            params().gamma_gamma,
        )
        assert list(warnings.filters) == before
        assert capsys.readouterr().out == ""


def test_a_repeat_buyer_without_positive_spend_is_named():
    rfm = pd.DataFrame(
        {
            "customer_id": ["A", "B"],
            "frequency": [1, 2],
            "recency": [3.0, 4.0],
            "T": [5.0, 6.0],
            "monetary_value": [0.0, 10.0],
        }
    )
    with pytest.raises(InputValidationError) as error:
        nodes.fit_value_models(rfm, rfm, params())
    assert "1 repeat buyers whose mean spend is not positive" in one_line(error.value)


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"monthly_discount_rate": 1.5}, "customer_value.monthly_discount_rate"),
        ({"horizon_months": 0}, "customer_value.horizon_months"),
        ({"time_unit": "M"}, "customer_value.time_unit"),
        ({"observation_end": "09/12/2011"}, "customer_value.observation_end"),
        ({"bg_nbd": {"penalizer": -1}}, "customer_value.bg_nbd.penalizer"),
        ({"holdout_days": 3, "time_unit": "W"}, "customer_value.holdout_days"),
        ({"horizon_month": 12}, "did you mean 'horizon_months'?"),
    ],
)
def test_bad_parameters_stop_the_run_on_one_line(overrides, expected):
    message = rejected_parameters("customer_value", overrides)
    assert expected in message and "parameters_customer_value.yml" in message
