"""The ``model_input`` contract, shared by ``model_selection`` and ``clustering``.

Every failure is one :class:`InputValidationError` line. Parameters are checked by the
parameter models (``params.py`` of each pipeline), not here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.pipelines.model_selection.preprocessing import FeatureSpec, feature_spec

ID_COLUMN = "customer_id"


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model features of a ``model_input`` frame: every column except the id."""
    return [column for column in frame.columns if column != ID_COLUMN]


def validate_model_input(
    frame: Any, dataset: str = "model_input", feature_transforms: Any = None
) -> pd.DataFrame:
    """Check the ``model_input`` contract and return it sorted by ``customer_id``.

    See :func:`model_input_spec`; this returns the frame only.
    """
    return model_input_spec(frame, feature_transforms, dataset)[0]


def model_input_spec(
    frame: Any, feature_transforms: Any = None, dataset: str = "model_input"
) -> tuple[pd.DataFrame, FeatureSpec]:
    """Check ``model_input`` against its declaration; return it sorted by id, and the spec.

    Raises for: not a DataFrame, no/duplicated/missing ids, no feature columns. Numeric-only
    input (``feature_transforms`` without ``imputation``): a feature column that is
    all-missing, non-numeric, partly missing, infinite or constant. Mixed input (see
    :mod:`.preprocessing`): a column that is all-missing or constant, a numeric feature that is
    not numeric or has infinite values, a categorical feature with a numeric dtype; missing
    values are allowed (the model imputes them). Sorting makes every sample and fit depend on
    the customers, not on their row order.
    """
    if not isinstance(frame, pd.DataFrame) or frame.empty:
        raise InputValidationError(
            "is empty or not a table", "check the feature_engineering outputs", dataset=dataset
        )
    _check_ids(frame, dataset)
    features = feature_columns(frame)
    if not features:
        raise InputValidationError(
            "has no feature columns besides customer_id",
            "check model_features in the feature_engineering parameters",
            dataset=dataset,
        )
    spec = feature_spec(features, feature_transforms)
    for column in features:
        if not spec.mixed:
            _check_feature(frame[column], dataset)
        elif column in spec.categorical:
            _check_categorical(frame[column], dataset)
        else:
            _check_numeric(frame[column], dataset)
    if not frame[ID_COLUMN].is_monotonic_increasing:
        frame = frame.sort_values(ID_COLUMN, kind="stable")
    return frame.reset_index(drop=True), spec


def _check_ids(frame: pd.DataFrame, dataset: str) -> None:
    """``customer_id`` is present, complete and unique."""
    if ID_COLUMN not in frame.columns:
        raise InputValidationError(
            "is missing",
            "keep the customer id column in model_input",
            dataset=dataset,
            column=ID_COLUMN,
        )
    ids = frame[ID_COLUMN]
    if ids.isna().any():
        raise InputValidationError(
            f"has {int(ids.isna().sum())} missing ids",
            "drop rows without a customer id upstream",
            dataset=dataset,
            column=ID_COLUMN,
        )
    if not ids.is_unique:
        raise InputValidationError(
            f"has {int(ids.duplicated().sum())} duplicated ids",
            "aggregate model_input to one row per customer",
            dataset=dataset,
            column=ID_COLUMN,
        )


def _check_feature(values: pd.Series, dataset: str) -> None:
    """One feature column: numeric, complete, finite and not constant."""
    column = str(values.name)
    n_missing = int(values.isna().sum())
    if n_missing == len(values):
        raise InputValidationError(
            "is entirely missing",
            "fix the feature upstream or drop it from model_features",
            dataset=dataset,
            column=column,
        )
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InputValidationError(
            f"has non-numeric type {values.dtype}",
            "make every model feature a float column",
            dataset=dataset,
            column=column,
        )
    if n_missing:
        raise InputValidationError(
            f"has {n_missing} missing values",
            "impute or drop them in feature_engineering",
            dataset=dataset,
            column=column,
        )
    numbers = values.to_numpy(dtype="float64")
    if not np.isfinite(numbers).all():
        raise InputValidationError(
            "has infinite values",
            "cap the feature in feature_engineering",
            dataset=dataset,
            column=column,
        )
    if numbers.min() == numbers.max():
        raise InputValidationError(
            f"is constant ({numbers[0]:g}) and cannot separate customers",
            "drop it from model_features in the feature_engineering parameters",
            dataset=dataset,
            column=column,
        )


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _check_present_and_varied(values: pd.Series, dataset: str, kind: str) -> None:
    """Not entirely missing, and at least two distinct values among the present ones."""
    column = str(values.name)
    present = values.dropna()
    if present.empty:
        raise InputValidationError(
            "is entirely missing",
            f"fill the column in the source data or drop it from the {kind} columns "
            f"in {config_file('parameters_customer_table.yml')}",
            dataset=dataset,
            column=column,
        )
    if present.nunique() < 2:
        value = present.iloc[0]
        shown = f"{value:g}" if isinstance(value, float) else repr(str(value))
        raise InputValidationError(
            f"is constant ({shown}) and cannot separate customers",
            f"drop it from the {kind} columns in {config_file('parameters_customer_table.yml')}",
            dataset=dataset,
            column=column,
        )


def _check_numeric(values: pd.Series, dataset: str) -> None:
    """A numeric feature of mixed input: numeric, finite where present, not constant."""
    column = str(values.name)
    if values.isna().all():
        _check_present_and_varied(values, dataset, "numeric")
    if not _is_numeric(values):
        raise InputValidationError(
            f"is declared numeric but has type {values.dtype}",
            "re-run customer_table, or list the column under categorical_columns",
            dataset=dataset,
            column=column,
        )
    numbers = values.to_numpy(dtype="float64")
    if np.isinf(numbers).any():
        raise InputValidationError(
            "has infinite values",
            "cap the feature (customer_table.model.cap_quantiles)",
            dataset=dataset,
            column=column,
        )
    _check_present_and_varied(values, dataset, "numeric")


def _check_categorical(values: pd.Series, dataset: str) -> None:
    """A categorical feature of mixed input: text (or category) values, not constant."""
    column = str(values.name)
    if values.isna().all():
        _check_present_and_varied(values, dataset, "categorical")
    if _is_numeric(values):
        raise InputValidationError(
            f"is declared categorical but has numeric type {values.dtype}",
            "re-run customer_table (it writes categories as text)",
            dataset=dataset,
            column=column,
        )
    _check_present_and_varied(values, dataset, "categorical")
