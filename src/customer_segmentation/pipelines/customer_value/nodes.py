"""Nodes of ``customer_value``: lifetime value per customer and segment.

``order_periods`` runs where the lines are (Ibis); the rest works on one row per customer
in pandas, with the models of :mod:`.engine`. Definitions (Fader, Hardie and Lee 2005, and
lifetimes' conventions): purchases are counted once per time unit (``time_unit``: a day or a
week) from the customer's first purchase; ``frequency`` is the number of *repeat* purchase
units, ``recency`` the age of the customer at the last one, ``T`` the age at the end of the
observation, ``monetary_value`` the mean spend of the repeat units (0 without repeats).
Returns are left out: the models describe purchases, and Gamma-Gamma needs positive spend.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ibis.expr.datatypes as dt_ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file

from . import engine
from .params import PARAMS_FILE, CustomerValueParams

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
EPOCH = dt.date(1970, 1, 1)
#: Exact sums of money (the order of a parallel engine's additions cannot change them).
MONEY_TYPE = dt_ibis.Decimal(18, 4)
#: The segment of a customer with purchases but no row in customer_segments.
NOT_SEGMENTED = "(not segmented)"
#: The row of the validation table over every customer.
ALL_CUSTOMERS = "All customers"
RFM_COLUMNS = ["customer_id", "frequency", "recency", "T", "monetary_value"]
VALUE_COLUMNS = [
    "customer_id",
    "segment",
    *RFM_COLUMNS[1:],
    "probability_alive",
    "expected_purchases",
    "expected_spend",
    "clv",
]


def _require(table: Any, columns: list[str], dataset: str, params_key: str | None) -> None:
    """One-line error naming the first missing column and the parameter that maps it."""
    present = list(table.columns)
    for column in columns:
        if column not in present:
            fix = (
                f"set customer_value.columns.{params_key} in {config_file(PARAMS_FILE)} "
                f"to one of {present}"
                if params_key
                else f"re-run the pipeline that writes '{dataset}'"
            )
            raise InputValidationError("is missing", fix, dataset=dataset, column=column)


def order_periods(clean_transactions: ir.Table, params: CustomerValueParams) -> pd.DataFrame:
    """Spend per customer and purchase unit (day or week), returns left out, sorted.

    ``period`` counts units since 1970-01-01 (week 0 starts on that Thursday).
    """
    columns = params.columns
    for key in ("customer_id", "invoice_date", "revenue", "is_return"):
        _require(clean_transactions, [getattr(columns, key)], "clean_transactions", key)
    t = clean_transactions
    orders = t.filter(~t[columns.is_return])
    day = (orders[columns.invoice_date].epoch_seconds() // SECONDS_PER_DAY).cast("int64")
    orders = orders.mutate(
        customer_id=orders[columns.customer_id].cast("string"),
        period=day // params.days_per_unit,
        spend=orders[columns.revenue].cast(MONEY_TYPE),
    )
    # the sum is exact (decimal), then rounded once to float64: the same value whatever the
    # order of the engine's additions; the engine sorts (text by code point as Python does,
    # nulls last as pandas does), so pandas has no object-dtype work
    per_period = (
        orders.group_by(["customer_id", "period"])
        .aggregate(spend=orders.spend.sum().cast("float64"))
        .order_by(["customer_id", "period"])
    )
    return per_period.to_pyarrow().to_pandas()


def _end_period(periods: pd.DataFrame, params: CustomerValueParams) -> int:
    """The unit the observation ends in: ``observation_end``, else the last purchase's."""
    if periods.empty:
        raise InputValidationError(
            "has no order line (every clean line is a return, or there is none)",
            "check the export; customer value needs purchases",
            dataset="clean_transactions",
        )
    last = int(periods["period"].max())
    if params.observation_end is None:
        return last
    end = (params.observation_end - EPOCH).days // params.days_per_unit
    if end < last:
        last_day = EPOCH + dt.timedelta(days=last * params.days_per_unit)
        raise InputValidationError(
            f"is {params.observation_end}, before the last purchase (unit starting {last_day})",
            f"set a later date, or null for the day of the last invoice, in "
            f"{config_file(PARAMS_FILE)}",
            parameter="customer_value.observation_end",
        )
    return end


def _summary(periods: pd.DataFrame, end: int) -> pd.DataFrame:
    """frequency, recency, T and monetary_value per customer at the end unit ``end``."""
    grouped = periods.groupby("customer_id", sort=True)
    agg = grouped.agg(
        units=("period", "size"),
        first=("period", "min"),
        last=("period", "max"),
        total=("spend", "sum"),
        first_spend=("spend", "first"),
    )
    frequency = agg["units"] - 1
    repeat_spend = (agg["total"] - agg["first_spend"]).where(frequency > 0, 0.0)
    return pd.DataFrame(
        {
            "customer_id": agg.index.astype(str),
            "frequency": frequency.to_numpy("int64"),
            "recency": (agg["last"] - agg["first"]).to_numpy("float64"),
            "T": (end - agg["first"]).to_numpy("float64"),
            "monetary_value": (repeat_spend / frequency.clip(lower=1)).to_numpy("float64"),
        }
    )


def summarise_customers(order_periods: pd.DataFrame, params: CustomerValueParams) -> pd.DataFrame:
    """frequency, recency, T (in time units) and monetary_value per customer, whole period."""
    summary = _summary(order_periods, _end_period(order_periods, params))
    _enough_customers(summary, params, "the whole period")
    return summary


def _enough_customers(summary: pd.DataFrame, params: CustomerValueParams, part: str) -> None:
    if len(summary) < params.min_customers:
        raise InputValidationError(
            f"{part} has {len(summary)} customers with purchases, fewer than "
            f"customer_value.min_customers ({params.min_customers})",
            "supply more invoice lines, or lower min_customers (or holdout_days) in "
            f"{config_file(PARAMS_FILE)}",
            dataset="clean_transactions",
        )


def split_calibration_holdout(
    order_periods: pd.DataFrame, params: CustomerValueParams
) -> pd.DataFrame:
    """The summary at the start of the holdout, plus each customer's purchases in it.

    Customers are those who bought before the holdout (``holdout_days`` before the end);
    ``frequency_holdout`` counts their purchase units in the holdout, of length
    ``duration_holdout`` units.
    """
    end = _end_period(order_periods, params)
    calibration_end = end - params.holdout_days // params.days_per_unit
    calibration = order_periods[order_periods["period"] <= calibration_end]
    summary = _summary(calibration, calibration_end)
    _enough_customers(
        summary, params, f"the calibration period (before the last {params.holdout_days} days)"
    )
    holdout = order_periods[order_periods["period"] > calibration_end]
    counts = holdout.groupby("customer_id").size()
    summary["frequency_holdout"] = (
        counts.reindex(summary["customer_id"]).fillna(0).to_numpy("int64")
    )
    summary["duration_holdout"] = float(end - calibration_end)
    return summary


def _repeat_buyers(summary: pd.DataFrame, part: str) -> pd.DataFrame:
    repeat = summary[summary["frequency"] > 0]
    unpaid = int((repeat["monetary_value"] <= 0).sum())
    if unpaid:
        raise InputValidationError(
            f"{part} has {unpaid} repeat buyers whose mean spend is not positive; Gamma-Gamma "
            "needs positive spend",
            "check customer_value.columns.revenue names the line revenue (orders positive) in "
            f"{config_file(PARAMS_FILE)}",
            dataset="clean_transactions",
        )
    if len(repeat) < 2:
        raise InputValidationError(
            f"{part} has {len(repeat)} customers with a repeat purchase; Gamma-Gamma needs 2",
            "supply a longer period of invoice lines, or a shorter time_unit (D) in "
            f"{config_file(PARAMS_FILE)}",
            dataset="clean_transactions",
        )
    return repeat


def fit_value_models(
    customer_rfm: pd.DataFrame, calibration_rfm: pd.DataFrame, params: CustomerValueParams
) -> dict[str, Any]:
    """BG/NBD and Gamma-Gamma on the whole period, and BG/NBD on the calibration period."""
    repeat = _repeat_buyers(customer_rfm, "the whole period")
    bg_nbd = engine.fit_bg_nbd(
        customer_rfm["frequency"], customer_rfm["recency"], customer_rfm["T"], params.bg_nbd
    )
    gamma_gamma = engine.fit_gamma_gamma(
        repeat["frequency"], repeat["monetary_value"], params.gamma_gamma
    )
    calibration = engine.fit_bg_nbd(
        calibration_rfm["frequency"],
        calibration_rfm["recency"],
        calibration_rfm["T"],
        params.bg_nbd,
    )
    # how far spend and frequency go together: Gamma-Gamma assumes they are independent
    correlation = float(np.corrcoef(repeat["frequency"], repeat["monetary_value"])[0, 1])
    return {
        "engine": "lifetimes 0.11.3",
        "time_unit": params.time_unit,
        "horizon_months": params.horizon_months,
        "monthly_discount_rate": params.monthly_discount_rate,
        "customers": len(customer_rfm),
        "repeat_customers": len(repeat),
        "bg_nbd": bg_nbd,
        "gamma_gamma": gamma_gamma,
        "spend_frequency_correlation": None if np.isnan(correlation) else correlation,
        "calibration": {
            "holdout_days": params.holdout_days,
            "customers": len(calibration_rfm),
            "bg_nbd": calibration,
        },
    }


def _segments(
    customer_ids: pd.Series, customer_segments: pd.DataFrame, params: CustomerValueParams
) -> pd.Series:
    """Each customer's segment; :data:`NOT_SEGMENTED` for one customer_segments lacks."""
    id_column, segment = params.columns.customer_id, params.segment_column
    for column, key in ((id_column, "customer_id"), (segment, None)):
        if column not in customer_segments.columns:
            fix = (
                f"set customer_value.{'columns.' + key if key else 'segment_column'} in "
                f"{config_file(PARAMS_FILE)} to one of {list(customer_segments.columns)}"
            )
            raise InputValidationError(
                "is missing", fix, dataset="customer_segments", column=column
            )
    names = customer_segments.set_index(customer_segments[id_column].astype(str))[segment]
    names = names.astype(str)
    return (
        names.reindex(customer_ids).fillna(NOT_SEGMENTED).astype(str).set_axis(customer_ids.index)
    )


def score_customers(
    customer_rfm: pd.DataFrame,
    customer_value_model: dict[str, Any],
    customer_segments: pd.DataFrame,
    params: CustomerValueParams,
) -> pd.DataFrame:
    """Per customer: probability alive, expected purchases and spend, CLV over the horizon."""
    bg_nbd, gamma_gamma = customer_value_model["bg_nbd"], customer_value_model["gamma_gamma"]
    units = params.horizon_months * engine.UNITS_PER_MONTH[params.time_unit]
    scored = customer_rfm[RFM_COLUMNS].copy()
    scored.insert(1, "segment", _segments(scored["customer_id"], customer_segments, params))
    scored["probability_alive"] = engine.probability_alive(bg_nbd, scored)
    scored["expected_purchases"] = engine.expected_purchases(bg_nbd, units, scored)
    scored["expected_spend"] = engine.expected_spend(gamma_gamma, scored)
    scored["clv"] = engine.lifetime_value(
        bg_nbd,
        gamma_gamma,
        scored,
        months=params.horizon_months,
        monthly_discount_rate=params.monthly_discount_rate,
        time_unit=params.time_unit,
    )
    return scored[VALUE_COLUMNS]


def summarise_segments(customer_value: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, CLV (total, share, mean, median), mean probability alive."""
    grouped = customer_value.groupby("segment", sort=True)
    summary = grouped.agg(
        customers=("customer_id", "size"),
        total_clv=("clv", "sum"),
        mean_clv=("clv", "mean"),
        median_clv=("clv", "median"),
        mean_probability_alive=("probability_alive", "mean"),
        expected_purchases=("expected_purchases", "sum"),
    ).reset_index()
    total = summary["total_clv"].sum()
    summary.insert(3, "clv_share", summary["total_clv"] / total if total else np.nan)
    return summary.sort_values(["total_clv", "segment"], ascending=[False, True], ignore_index=True)


def validate_holdout(
    calibration_rfm: pd.DataFrame,
    customer_value_model: dict[str, Any],
    customer_segments: pd.DataFrame,
    params: CustomerValueParams,
) -> pd.DataFrame:
    """Purchases predicted by the calibration fit against those made in the holdout."""
    parameters = customer_value_model["calibration"]["bg_nbd"]
    frame = calibration_rfm.copy()
    frame["segment"] = _segments(frame["customer_id"], customer_segments, params)
    duration = float(frame["duration_holdout"].iloc[0])
    frame["predicted"] = engine.expected_purchases(parameters, duration, frame)
    rows = [(ALL_CUSTOMERS, frame)] + list(frame.groupby("segment", sort=True))
    table = pd.DataFrame(
        [
            {
                "segment": name,
                "customers": len(part),
                "predicted_purchases": float(part["predicted"].sum()),
                "actual_purchases": int(part["frequency_holdout"].sum()),
            }
            for name, part in rows
        ]
    )
    table["difference"] = table["predicted_purchases"] - table["actual_purchases"]
    table["relative_error"] = table["difference"] / table["actual_purchases"].where(
        table["actual_purchases"] > 0
    )
    table["holdout_units"] = duration
    return table
