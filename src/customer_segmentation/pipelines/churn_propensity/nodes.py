"""Nodes of ``churn_propensity``: who is likely to stop buying, per segment.

The lines are split in time. ``end`` is the day after the last clean invoice; the
``cutoff`` is ``horizon_days`` before it. Each customer with an order before the cutoff is
described as of the cutoff (:func:`customer_segmentation.customer_metrics.aggregate_customers`,
the features feature_engineering measures) and labelled ``churned`` (1) when they ordered
nothing from the cutoff to the end. The model learns that label; it then scores every customer
as of the end, which gives the probability of no order in the next ``horizon_days``.
Features and labels are measured where the lines are (Ibis), except those as of the end:
feature_engineering's ``customer_metrics`` (the same measure) when it is at the end. The
model works in pandas.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from customer_segmentation.customer_metrics import (
    LINE_COLUMNS,
    SECONDS_PER_DAY,
    aggregate_customers,
)
from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.snapshot import as_snapshot_date

from . import model
from .params import PARAMS_FILE, ChurnPropensityParams

logger = logging.getLogger(__name__)

EPOCH = dt.date(1970, 1, 1)
LABEL = "churned"
PROBABILITY = "churn_probability"
#: The segment of a customer with orders but no row in customer_segments.
NOT_SEGMENTED = "(not segmented)"
#: Columns shown beside the probability in the per-customer table and the target list.
SHOWN_FEATURES = ("recency", "frequency", "monetary")
SEGMENT_COLUMNS = ["segment", "customers", "mean_probability", "expected_churners"]


def _fix(text: str) -> str:
    return f"{text} in {config_file(PARAMS_FILE)}"


def _day(column: ir.Column) -> ir.Column:
    return (column.epoch_seconds() // SECONDS_PER_DAY).cast("int64")


def churn_dates(clean_transactions: ir.Table, params: ChurnPropensityParams) -> dict[str, str]:
    """The first and last invoice days, the cutoff and the end (ISO dates)."""
    missing = [c for c in LINE_COLUMNS if c not in clean_transactions.columns]
    if missing:
        raise InputValidationError(
            "is missing (churn propensity reads data_processing's canonical columns)",
            "re-run data_processing, which writes them",
            dataset="clean_transactions",
            column=missing[0],
        )
    t = clean_transactions
    bounds = t.aggregate(first=t.invoice_date.min(), last=t.invoice_date.max()).execute()
    if bounds.empty or pd.isna(bounds["last"].iloc[0]):
        raise InputValidationError("has no line", "check the export", dataset="clean_transactions")
    first = pd.Timestamp(bounds["first"].iloc[0]).date()
    end = pd.Timestamp(bounds["last"].iloc[0]).date() + dt.timedelta(days=1)
    cutoff = end - dt.timedelta(days=params.horizon_days)
    if cutoff <= first:
        raise InputValidationError(
            f"is {params.horizon_days} days, but the lines span {(end - first).days} days: "
            "no order comes before the cutoff",
            _fix("set it well below the span (e.g. a quarter of it)"),
            parameter="churn_propensity.horizon_days",
        )
    return {
        "first_invoice": first.isoformat(),
        "cutoff": cutoff.isoformat(),
        "end": end.isoformat(),
    }


def _feature_table(
    metrics: pd.DataFrame, params: ChurnPropensityParams, dataset: str
) -> pd.DataFrame:
    """customer_id, the configured features and those shown beside the probability (as
    float64), of a table of :func:`aggregate_customers`' columns, sorted by customer."""
    _require(metrics, ["customer_id", *params.features, *SHOWN_FEATURES], dataset)
    table = pd.DataFrame({"customer_id": metrics["customer_id"].astype(str).to_numpy()})
    for name in dict.fromkeys([*params.features, *SHOWN_FEATURES]):
        table[name] = metrics[name].to_numpy(dtype="float64", na_value=np.nan)
    if LABEL in metrics.columns:  # the training set's
        table[LABEL] = metrics[LABEL].to_numpy(dtype="int64")
    return table.sort_values("customer_id", ignore_index=True)


def _features(
    lines: ir.Table, day: dt.date, params: ChurnPropensityParams, stayed: ir.Column | None = None
) -> pd.DataFrame:
    """:func:`_feature_table` of the customers of ``lines`` as of ``day``; labelled churned
    (1) unless in ``stayed`` when given (in the same query: no membership test in pandas)."""
    metrics = aggregate_customers(lines, day)
    if stayed is not None:
        metrics = metrics.mutate(**{LABEL: ibis.ifelse(metrics.customer_id.isin(stayed), 0, 1)})
    return _feature_table(metrics.execute(), params, "clean_transactions")


def build_training_set(
    clean_transactions: ir.Table, churn_dates: dict[str, str], params: ChurnPropensityParams
) -> pd.DataFrame:
    """Customers with an order before the cutoff: features as of it and the label."""
    cutoff = dt.date.fromisoformat(churn_dates["cutoff"])
    end = dt.date.fromisoformat(churn_dates["end"])
    t = clean_transactions
    day = _day(t.invoice_date)
    cutoff_day, end_day = (cutoff - EPOCH).days, (end - EPOCH).days
    window = t.filter((day >= cutoff_day) & (day < end_day) & ~t.is_return)
    training = _features(t.filter(day < cutoff_day), cutoff, params, window.customer_id)
    _check_trainable(training, params)
    return training


def _rarer_outcome(training: pd.DataFrame) -> int:
    """Customers of the rarer outcome (churned or ordered again): each fold needs some."""
    churned = int(training[LABEL].sum())
    return min(churned, len(training) - churned)


def _check_trainable(training: pd.DataFrame, params: ChurnPropensityParams) -> None:
    customers = len(training)
    if customers < params.min_customers:
        raise InputValidationError(
            f"has {customers} customers with an order before the cutoff, fewer than "
            f"churn_propensity.min_customers ({params.min_customers})",
            _fix("supply a longer period of lines, or lower horizon_days or min_customers"),
            dataset="clean_transactions",
        )
    smaller = _rarer_outcome(training)
    if smaller == 0:
        which = "churned" if training[LABEL].any() else "ordered again"
        raise InputValidationError(
            f"every one of the {customers} customers before the cutoff {which} in the "
            f"{params.horizon_days}-day horizon: a classifier needs both outcomes",
            _fix("change churn_propensity.horizon_days"),
            dataset="clean_transactions",
        )
    if smaller < params.n_splits:
        raise InputValidationError(
            f"is {params.n_splits}, but only {smaller} customers have the rarer outcome "
            "(each stratified fold needs one)",
            _fix("lower it, or change horizon_days"),
            parameter="churn_propensity.n_splits",
        )


def build_scoring_set(
    customer_metrics: pd.DataFrame,
    clean_transactions: ir.Table,
    churn_dates: dict[str, str],
    snapshot_date: str | None,
    params: ChurnPropensityParams,
) -> pd.DataFrame:
    """Every customer with an order: features as of the end of the data.

    The end is feature_engineering's snapshot unless ``snapshot_date``
    (``feature_engineering.snapshot_date``) names a later day: then ``customer_metrics``,
    the same definitions measured on the same lines, is read, not measured again. Otherwise
    (a later snapshot) the features are measured from the lines as of the end.
    """
    end = dt.date.fromisoformat(churn_dates["end"])
    if as_snapshot_date(snapshot_date) in (None, end):
        return _feature_table(customer_metrics, params, "customer_metrics")
    return _features(clean_transactions, end, params)


def _require(table: pd.DataFrame, columns: list[str], dataset: str) -> None:
    """One line naming the first of ``columns`` missing from ``dataset``."""
    for name in columns:
        if name not in table.columns:
            raise InputValidationError(
                "is missing",
                f"re-run the node that writes '{dataset}'",
                dataset=dataset,
                column=name,
            )


def _matrix(table: pd.DataFrame, params: ChurnPropensityParams, dataset: str) -> np.ndarray:
    _require(table, list(params.features), dataset)
    return table[list(params.features)].to_numpy(dtype="float64")


def _training_sample(churn_training: pd.DataFrame, params: ChurnPropensityParams) -> pd.DataFrame:
    """The customers that train the model: every one, or the stratified sample of
    ``max_training_customers`` seeded with ``classifier.random_state`` (both nodes: the same)."""
    labels = churn_training[LABEL].to_numpy("int64")
    rows = model.training_rows(
        labels, params.max_training_customers, params.classifier.random_state
    )
    if len(rows) == len(labels):
        return churn_training
    sample = churn_training.iloc[rows]
    smaller = _rarer_outcome(sample)
    # the full set passed _check_trainable; a small sample of a rare outcome may not
    if smaller < params.n_splits:
        raise InputValidationError(
            f"is {params.max_training_customers}, but a sample that size holds only {smaller} "
            f"customers of the rarer outcome, fewer than n_splits ({params.n_splits})",
            _fix("raise it, or set it to null (every customer)"),
            parameter="churn_propensity.max_training_customers",
        )
    return sample


def cross_validate_churn(
    churn_training: pd.DataFrame, churn_dates: dict[str, str], params: ChurnPropensityParams
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Stratified K-fold ROC AUC, and the Brier score and reliability of out-of-fold output.

    On the training sample (:func:`_training_sample`); ``customers`` counts every customer
    before the cutoff, ``training_customers`` those that trained the model.
    """
    _check_trainable(churn_training, params)
    sample = _training_sample(churn_training, params)
    features = _matrix(sample, params, "churn_training")
    labels = sample[LABEL].to_numpy("int64")
    aucs, out_of_fold = model.cross_validate(features, labels, params)
    # the base rate the out-of-fold probabilities compete with: the sample's
    rate = float(labels.mean())
    brier = model.brier_score(labels, out_of_fold)
    metrics = {
        "model": "HistGradientBoostingClassifier",
        "calibration": params.calibration.method,
        "horizon_days": params.horizon_days,
        **churn_dates,
        "customers": len(churn_training),
        "training_customers": len(labels),
        "churn_rate": float(churn_training[LABEL].mean()),
        "features": list(params.features),
        "n_splits": params.n_splits,
        "roc_auc_folds": aucs,
        "roc_auc_mean": float(np.mean(aucs)),
        "roc_auc_std": float(np.std(aucs)),
        "brier_score": brier,
        # the Brier score of always predicting the churn rate: the model should beat it
        "brier_score_base_rate": rate * (1.0 - rate),
    }
    logger.info(
        "Churn model: ROC AUC %.3f ± %.3f over %d folds of %d of %d customers, "
        "Brier %.4f (base rate %.4f)",
        metrics["roc_auc_mean"],
        metrics["roc_auc_std"],
        params.n_splits,
        metrics["training_customers"],
        metrics["customers"],
        brier,
        metrics["brier_score_base_rate"],
    )
    return metrics, model.reliability_table(labels, out_of_fold, params.calibration.bins)


def fit_churn_model(churn_training: pd.DataFrame, params: ChurnPropensityParams) -> Any:
    """The model fitted on the training sample (every customer as of the cutoff when
    ``max_training_customers`` is null or not below their number)."""
    _check_trainable(churn_training, params)
    sample = _training_sample(churn_training, params)
    features = _matrix(sample, params, "churn_training")
    return model.fit(features, sample[LABEL].to_numpy("int64"), params)


def _segments(
    customer_ids: pd.Series, customer_segments: pd.DataFrame, params: ChurnPropensityParams
) -> np.ndarray:
    for column in ("customer_id", params.segment_column):
        if column not in customer_segments.columns:
            raise InputValidationError(
                "is missing",
                _fix(
                    f"set churn_propensity.segment_column to one of "
                    f"{list(customer_segments.columns)}"
                ),
                dataset="customer_segments",
                column=column,
            )
    names = customer_segments.set_index(customer_segments["customer_id"].astype(str))
    named = names[params.segment_column].astype(str).reindex(customer_ids.to_numpy())
    return named.fillna(NOT_SEGMENTED).astype(str).to_numpy()


def score_churn(
    churn_model: Any,
    churn_scoring: pd.DataFrame,
    customer_segments: pd.DataFrame,
    params: ChurnPropensityParams,
) -> pd.DataFrame:
    """Per customer: segment, churn probability and the RFM figures beside it."""
    features = _matrix(churn_scoring, params, "churn_scoring")
    scored = pd.DataFrame({"customer_id": churn_scoring["customer_id"].astype(str)})
    scored["segment"] = _segments(scored["customer_id"], customer_segments, params)
    scored[PROBABILITY] = model.score(churn_model, features, params)
    for name in SHOWN_FEATURES:
        if name in churn_scoring.columns:  # always, from build_scoring_set
            scored[name] = churn_scoring[name].to_numpy("float64")
    return scored.reset_index(drop=True)


def summarise_churn_segments(churn_propensity: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, mean churn probability, expected churners (their sum)."""
    grouped = churn_propensity.groupby("segment", sort=True)[PROBABILITY]
    summary = grouped.agg(customers="size", mean_probability="mean", expected_churners="sum")
    summary = summary.reset_index()[SEGMENT_COLUMNS]
    return summary.sort_values(
        ["mean_probability", "segment"], ascending=[False, True], ignore_index=True
    )


def rank_churn_targets(
    churn_propensity: pd.DataFrame, params: ChurnPropensityParams
) -> pd.DataFrame:
    """The ``targets_per_segment`` customers of each segment most likely to churn.

    Ties keep customer order (a stable sort): the same scores give the same list. Only the
    candidates are sorted: a customer of the list has fewer than ``targets_per_segment``
    customers of their segment with a higher probability (a rank, ties at their lowest).
    """
    grouped = churn_propensity.groupby("segment", sort=False)[PROBABILITY]
    rank = grouped.rank(method="min", ascending=False, na_option="bottom")
    candidates = churn_propensity[rank.to_numpy() <= params.targets_per_segment]
    ranked = candidates.sort_values(
        ["segment", PROBABILITY, "customer_id"], ascending=[True, False, True], kind="stable"
    )
    ranked = ranked.groupby("segment", sort=True).head(params.targets_per_segment).copy()
    ranked["rank"] = ranked.groupby("segment").cumcount() + 1
    shown = [c for c in churn_propensity.columns if c not in ("customer_id", "segment")]
    return ranked[["segment", "rank", "customer_id", *shown]].reset_index(drop=True)
