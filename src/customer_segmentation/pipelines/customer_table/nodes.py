"""Nodes of ``customer_table``: a ready customer table (one row per customer) -> model input.

For users who come with a customer-level table (demographic and behavioural columns such as
age, income, spending score, gender, city, occupation) instead of invoice lines. The pipeline
writes what ``model_selection``, ``clustering`` and ``reporting`` read:

* ``customer_features``: ``customer_id`` plus every declared column, parsed (numbers as float,
  categories as text, missing values kept), one row per customer;
* ``rejected_customers``: every row that cannot be used, exactly as read, with its ``reason``
  (``missing_customer_id``, ``unparseable_<column>``); rows read = kept + rejected;
* ``model_input`` and ``feature_transforms``: numeric model features capped and (optionally)
  log1p-transformed, categorical ones as text, missing values left for the model to impute.
  ``feature_transforms`` declares which features are numeric or categorical and the
  imputation strategies, so the model (``clustering``) imputes and one-hot encodes inside the
  saved scikit-learn pipeline;
* ``data_quality_summary``: rows read, kept, rejected per reason, customers, missing values.

RFM scores and the transaction features (recency, frequency, monetary, ...) need invoice lines;
they are not computed for this shape.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model import ID_COLUMN, apply_feature_transforms, no_spread
from customer_segmentation.pipelines.customer_table.params import (
    PARAMS_FILE,
    CustomerTableParams,
    TableParsingParams,
)

logger = logging.getLogger(__name__)

#: The input shape's name: its pipeline and parameter group, recorded as the ``source`` of
#: ``feature_transforms`` (which names the parameter file of a fix downstream).
INPUT_SHAPE = "customer_table"
RAW_DATASET = "raw_customers"
MISSING_ID = "missing_customer_id"
UNPARSEABLE = "unparseable_{column}"
EXAMPLES = 3


# --- rows -------------------------------------------------------------------------------------


def reason_column(raw_columns: Any) -> str:
    """Column of ``rejected_customers`` with the reason (``reason``, unless the table has one)."""
    return "reason" if "reason" not in raw_columns else "rejection_reason"


def _text(values: pd.Series) -> pd.Series:
    """Stripped text, empty strings as missing."""
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def _normalise_ids(values: pd.Series, strip_decimals: bool) -> pd.Series:
    """Customer ids as text; ``"13085.0"`` -> ``"13085"`` (spreadsheet exports) if asked."""
    ids = _text(values)
    if strip_decimals:
        ids = ids.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
    return ids


def _parse_numbers(values: pd.Series, parsing: TableParsingParams) -> tuple[pd.Series, pd.Series]:
    """(float values, mask of values given but not parseable as a finite number)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.astype("float64")
        failed = pd.Series(np.isinf(numbers.to_numpy()), index=values.index)
        return numbers.mask(failed), failed
    text = _text(values)
    if parsing.thousands_separator:
        text = text.str.replace(parsing.thousands_separator, "", regex=False)
    if parsing.decimal_separator != ".":
        text = text.str.replace(parsing.decimal_separator, ".", regex=False)
    numbers = pd.to_numeric(text.astype(object), errors="coerce").astype("float64")
    numbers = numbers.mask(np.isinf(numbers))
    failed = (text.notna() & numbers.isna()).astype(bool)
    return numbers, failed


def _check_columns(raw: pd.DataFrame, params: CustomerTableParams) -> None:
    """Every declared column is in the table."""
    present = [str(c) for c in raw.columns]
    declared = [
        ("id_column", params.id_column),
        *(("numeric_columns", c) for c in params.numeric),
        *(("categorical_columns", c) for c in params.categorical),
    ]
    missing = [(key, column) for key, column in declared if column not in raw.columns]
    if missing:
        key, column = missing[0]
        shown = present[:30] + (["..."] if len(present) > 30 else [])
        raise InputValidationError(
            f"declared column(s) {[c for _, c in missing]} not found; columns present: {shown}",
            f"set customer_table.{key} in {config_file(PARAMS_FILE)} to the names of columns present",
            dataset=RAW_DATASET,
            column=column,
        )


def _check_duplicates(ids: pd.Series, id_column: str) -> None:
    """One row per customer."""
    duplicated = ids[ids.notna() & ids.duplicated(keep=False)]
    if not duplicated.empty:
        examples = sorted(duplicated.unique())[:EXAMPLES]
        raise InputValidationError(
            f"{duplicated.nunique()} customer id(s) appear on more than one row "
            f"({len(duplicated)} rows), e.g. {examples}",
            "keep one row per customer (aggregate the table first), or set "
            f"customer_table.id_column in {config_file(PARAMS_FILE)} to the column that identifies customers",
            dataset=RAW_DATASET,
            column=id_column,
        )


def _check_parse_failures(
    column: str, values: pd.Series, failed: pd.Series, n_rows: int, limit: float
) -> None:
    """Stop when more than ``limit`` of the rows have a non-numeric value; else warn."""
    n_failed = int(failed.sum())
    if not n_failed:
        return
    share = n_failed / n_rows
    if share > limit:
        examples = sorted(_text(values[failed]).dropna().unique())[:EXAMPLES]
        raise InputValidationError(
            f"{n_failed} of {n_rows} values ({share:.1%}) are not numbers, e.g. {examples}; at "
            f"most {limit:.1%} may be (customer_table.parsing.max_unparseable_share)",
            f"fix the values, set customer_table.parsing.decimal_separator / "
            f"thousands_separator, or move the column to categorical_columns in {config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
            column=column,
        )
    logger.warning(
        "%s: %d row(s) with a non-numeric %s go to rejected_customers (reason %s)",
        RAW_DATASET,
        n_failed,
        column,
        UNPARSEABLE.format(column=column),
    )


def _check_usable(features: pd.DataFrame, params: CustomerTableParams) -> None:
    """No declared column is entirely missing or constant in the kept rows."""
    for key, columns in (
        ("numeric_columns", params.numeric),
        ("categorical_columns", params.categorical),
    ):
        for column in columns:
            spread = no_spread(features[column])
            if spread is None:
                continue
            if spread.missing:
                problem = f"is missing in all {len(features)} kept rows"
            else:
                problem = f"has one value ({spread.shown}) in all kept rows"
            raise InputValidationError(
                f"{problem} and cannot separate customers",
                f"fill the column, or remove it from customer_table.{key} in {config_file(PARAMS_FILE)}",
                dataset=RAW_DATASET,
                column=column,
            )


def prepare_customers(
    raw_customers: pd.DataFrame, params: CustomerTableParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the raw table into ``customer_features`` (usable rows) and ``rejected_customers``.

    Each row gets the first reason it cannot be used: no customer id (``missing_customer_id``),
    or a value in a numeric column that is not a number (``unparseable_<column>``, at most
    ``parsing.max_unparseable_share`` of the rows per column, otherwise the run stops). Kept
    rows: ``customer_id`` (text) and every declared column, numbers as float and categories as
    stripped text, missing values kept; sorted by ``customer_id``. Rejected rows: every column
    as read (as text) plus ``reason``.

    Raises :class:`InputValidationError` for: no rows, a declared column not in the table,
    duplicated customer ids, too many non-numeric values in a numeric column, every row
    rejected, a declared column entirely missing or constant in the kept rows.
    """
    if not isinstance(raw_customers, pd.DataFrame) or raw_customers.empty:
        raise InputValidationError(
            "has no rows",
            "point the raw_customers catalog entry at a non-empty customer table",
            dataset=RAW_DATASET,
        )
    _check_columns(raw_customers, params)
    raw = raw_customers.reset_index(drop=True)
    id_column, parsing = params.id_column, params.parsing
    ids = _normalise_ids(raw[id_column], parsing.strip_id_decimals)
    _check_duplicates(ids, id_column)
    reason = pd.Series(pd.NA, index=raw.index, dtype="string")
    reason = reason.mask(ids.isna(), MISSING_ID)
    with_id = ids.notna()
    n_with_id = int(with_id.sum())
    numbers: dict[str, pd.Series] = {}
    for column in params.numeric:
        numbers[column], failed = _parse_numbers(raw[column], parsing)
        failed &= with_id
        _check_parse_failures(
            column, raw[column], failed, max(n_with_id, 1), parsing.max_unparseable_share
        )
        reason = reason.mask(failed & reason.isna(), UNPARSEABLE.format(column=column))
    kept = reason.isna().to_numpy()
    if not kept.any():
        raise InputValidationError(
            f"every row was rejected ({reason.value_counts().to_dict()})",
            f"check customer_table.id_column and the column lists in {config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
        )
    features = pd.DataFrame({ID_COLUMN: ids[kept].astype("str")})
    for column in params.numeric:
        features[column] = numbers[column][kept].astype("float64")
    for column in params.categorical:
        features[column] = _text(raw[column])[kept].astype("str")
    _check_usable(features, params)
    features = features.sort_values(ID_COLUMN, kind="stable", ignore_index=True)

    rejected = raw[~kept].astype("string").astype("str")
    rejected[reason_column(raw.columns)] = reason[~kept].astype("str")
    logger.info(
        "%s: %d rows -> %d customers kept + %d rejected %s",
        RAW_DATASET,
        len(raw),
        len(features),
        len(rejected),
        reason[~kept].value_counts().to_dict(),
    )
    logger.info(
        "Customer-table input: RFM scores and segments and the transaction features "
        "(recency, frequency, monetary, ...) are not computed, they need invoice lines; "
        "segments come from the declared columns %s",
        list(params.model_features),
    )
    return features, rejected.reset_index(drop=True)


# --- model input ------------------------------------------------------------------------------


def build_customer_model_input(
    customer_features: pd.DataFrame, params: CustomerTableParams
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Cap and log the numeric model features; keep categorical ones as text.

    Returns ``model_input`` (``customer_id`` + the model features in ``model.features``
    order; missing values kept, the model imputes them) and ``feature_transforms``: the
    transaction-path keys (``model_features``, ``log1p_features``, ``caps`` in raw units, for
    numeric features) plus ``numeric_features``, ``categorical_features``, ``imputation`` and
    ``categorical_weight``, which tell ``model_selection`` and ``clustering`` to build the
    imputing and one-hot-encoding model.
    """
    model = params.model
    numeric, categorical = list(params.numeric_features), list(params.categorical_features)
    lower_q, upper_q = model.cap_quantiles
    raw = customer_features[numeric].astype("float64")
    transforms: dict[str, Any] = {
        "source": INPUT_SHAPE,
        "model_features": list(params.model_features),
        "numeric_features": list(numeric),
        "categorical_features": list(categorical),
        "log1p_features": list(params.log1p_features),
        "caps": {
            f: {"lower": float(raw[f].quantile(lower_q)), "upper": float(raw[f].quantile(upper_q))}
            for f in numeric
        },
        "imputation": model.imputation.model_dump(),
        "categorical_weight": model.categorical_weight,
    }
    transformed = apply_feature_transforms(
        customer_features, {**transforms, "model_features": numeric}
    )
    model_input = pd.DataFrame({ID_COLUMN: customer_features[ID_COLUMN].astype("str")})
    for feature in params.model_features:
        if feature in numeric:
            model_input[feature] = transformed[feature].astype("float64")
        else:
            model_input[feature] = customer_features[feature].astype("str")
    return model_input.reset_index(drop=True), transforms


# --- data quality -----------------------------------------------------------------------------


def summarise_data_quality(
    raw_customers: pd.DataFrame,
    customer_features: pd.DataFrame,
    rejected_customers: pd.DataFrame,
) -> dict[str, Any]:
    """Rows read, kept and rejected per reason, and missing values per kept column.

    Reads back what was saved, so the check covers the write too: rows read = kept + rejected
    (a ``RuntimeError`` otherwise).
    """
    raw_rows, kept_rows, rejected_rows = (
        len(raw_customers),
        len(customer_features),
        len(rejected_customers),
    )
    if raw_rows != kept_rows + rejected_rows:
        raise RuntimeError(
            f"{RAW_DATASET}: {raw_rows} rows read but {kept_rows} kept + {rejected_rows} "
            "rejected were written; rows were lost or duplicated between the two datasets"
        )
    by_reason = (
        rejected_customers[reason_column(raw_customers.columns)]
        .value_counts()
        .sort_index(kind="stable")
        if rejected_rows
        else pd.Series(dtype="int64")
    )
    by_reason = by_reason.sort_values(ascending=False, kind="stable")
    columns = [c for c in customer_features.columns if c != ID_COLUMN]
    summary = {
        "dataset": RAW_DATASET,
        "input_shape": INPUT_SHAPE,
        "raw_rows": raw_rows,
        "kept_rows": kept_rows,
        "rejected_rows": rejected_rows,
        "rejected_share": round(rejected_rows / raw_rows, 6) if raw_rows else 0.0,
        "rejected_by_reason": {str(r): int(n) for r, n in by_reason.items()},
        "customers": int(customer_features[ID_COLUMN].nunique()),
        "missing_values": {c: int(customer_features[c].isna().sum()) for c in columns},
    }
    logger.info(
        "%s: %d rows -> %d kept + %d rejected %s; missing values %s",
        RAW_DATASET,
        raw_rows,
        kept_rows,
        rejected_rows,
        summary["rejected_by_reason"],
        {c: n for c, n in summary["missing_values"].items() if n},
    )
    return summary
