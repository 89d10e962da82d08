"""Nodes of the ``feature_engineering`` pipeline.

``aggregate_customers`` is written against Ibis (it reads every clean line, so it runs where
the lines live: DuckDB, Spark or a warehouse). The rest work on the customer table, one row
per customer, in pandas.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from customer_segmentation.customer_metrics import aggregate_customers
from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model import apply_feature_transforms, no_spread
from customer_segmentation.snapshot import check_snapshot_date

from .params import CUSTOMER_FEATURES, PARAMS_FILE, ModelParams, RfmParams

__all__ = [
    "CUSTOMER_FEATURES",
    "aggregate_customers",
    "build_model_input",
    "resolve_snapshot_date",
    "score_rfm",
]

logger = logging.getLogger(__name__)


def resolve_snapshot_date(clean_transactions: ir.Table, snapshot_date: str | None) -> dt.date:
    """The day features are measured at: the parameter, or the day after the last invoice.

    ``snapshot_date`` is ``feature_engineering.snapshot_date`` as configured: ISO text or
    null. (Not annotated ``date | str``: Kedro would warn on every run that it cannot
    validate a union; the group's model has checked the value already.) See
    :func:`check_snapshot_date`.
    """
    last_day = pd.Timestamp(clean_transactions.invoice_date.max().execute()).date()
    return check_snapshot_date(snapshot_date, last_day)


def _quantile_score(values: pd.Series, n_bins: int, ascending: bool = True) -> pd.Series:
    """Scores 1..n_bins by rank quantile; ties are broken by row order so bins stay even."""
    ranks = values.rank(method="first", ascending=ascending)
    return np.ceil(ranks * n_bins / len(values)).astype("int64")


def score_rfm(customer_metrics: pd.DataFrame, rfm: RfmParams) -> pd.DataFrame:
    """Add RFM quintile scores and the classic named RFM segment to each customer.

    ``r_score`` is 5 for the most recent customers; ``f_score``/``m_score`` 5 for the most
    orders/revenue. The segment comes from R and FM = ceil((F + M) / 2) via the YAML rules
    (:class:`RfmParams` checked that they name every (R, FM) cell exactly once).
    """
    n_bins = rfm.n_bins
    customers = customer_metrics.sort_values("customer_id", ignore_index=True)
    customers["r_score"] = _quantile_score(customers["recency"], n_bins, ascending=False)
    customers["f_score"] = _quantile_score(customers["frequency"], n_bins)
    customers["m_score"] = _quantile_score(customers["monetary"], n_bins)
    customers["rfm_score"] = (
        customers["r_score"].astype(str)
        + customers["f_score"].astype(str)
        + customers["m_score"].astype(str)
    )
    fm_score = np.ceil((customers["f_score"] + customers["m_score"]) / 2).astype("int64")
    # One lookup in an (R, FM) table of names instead of a mask per rule over every customer.
    names = np.empty((n_bins, n_bins), dtype=object)
    for rule in rfm.segments:
        names[rule.r[0] - 1 : rule.r[1], rule.fm[0] - 1 : rule.fm[1]] = rule.name
    cells = names[customers["r_score"].to_numpy() - 1, fm_score.to_numpy() - 1]
    customers["rfm_segment"] = pd.Series(cells, index=customers.index, dtype="string")
    return customers


def build_model_input(
    customer_features: pd.DataFrame, model: ModelParams
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Cap outliers at quantiles and log the skewed features, for the clustering model.

    Returns the model input (``customer_id`` + one column per model feature) and the fitted
    transforms (caps in raw units), so the same transform can be inverted or re-applied.
    (:class:`ModelParams` checked the feature names and quantiles; the customer table has
    every feature of ``CUSTOMER_FEATURES``.)
    """
    features = list(model.features)
    empty = [f for f in features if customer_features[f].isna().all()]
    if empty:
        raise InputValidationError(
            f"feature(s) {empty} have no values for any customer (e.g. no product column "
            "is mapped, so distinct_products is unknown)",
            f"remove them from feature_engineering.model.features in {config_file(PARAMS_FILE)}",
            parameter="feature_engineering.model.features",
        )
    lower_q, upper_q = model.cap_quantiles
    raw = customer_features[features].astype("float64")
    transforms = {
        "model_features": features,
        "log1p_features": [f for f in features if f in model.log1p_features],
        "caps": {
            f: {"lower": float(raw[f].quantile(lower_q)), "upper": float(raw[f].quantile(upper_q))}
            for f in features
        },
    }
    model_input = apply_feature_transforms(customer_features, transforms)
    _check_not_constant(model_input, raw, model)
    model_input.insert(0, "customer_id", customer_features["customer_id"].to_numpy())
    return model_input.reset_index(drop=True), transforms


def _check_not_constant(model_input: pd.DataFrame, raw: pd.DataFrame, model: ModelParams) -> None:
    """A model feature with one value for every customer cannot separate them: stop here,
    in the user's units, before anything downstream reads ``model_input``."""
    for feature in model_input.columns:
        if model_input[feature].nunique() > 1:
            continue
        spread = no_spread(raw[feature])
        if spread is not None:
            # not missing for everyone: build_model_input refused empty features before
            problem = f"is {spread.shown} for every customer and cannot separate them"
            fix = "remove it from feature_engineering.model.features"
        else:
            values = raw[feature].dropna()
            lower, upper = model.cap_quantiles
            problem = (
                f"is the same for every customer once capped at its {lower:g}-{upper:g} "
                f"quantiles (both caps are {values.quantile(upper):g}): almost every customer "
                "has that value"
            )
            fix = "remove it from feature_engineering.model.features or widen cap_quantiles"
        raise InputValidationError(
            problem,
            f"{fix} in {config_file(PARAMS_FILE)}",
            dataset="customer_features",
            column=feature,
        )
