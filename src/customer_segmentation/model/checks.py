"""The ``model_input`` contract, shared by ``model_selection`` and ``clustering``.

Every failure is one :class:`InputValidationError` line. Parameters are checked by the
parameter models (``params.py`` of each pipeline), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model.spec import FeatureSpec, feature_spec

ID_COLUMN = "customer_id"


def feature_columns(frame: pd.DataFrame) -> list[str]:
    """The model features of a ``model_input`` frame: every column except the id."""
    return [column for column in frame.columns if column != ID_COLUMN]


def model_input_spec(
    frame: Any, feature_transforms: Any = None, dataset: str = "model_input"
) -> tuple[pd.DataFrame, FeatureSpec]:
    """Check ``model_input`` against its declaration; return it sorted by id, and the spec.

    Raises for: not a DataFrame, no/duplicated/missing ids, no feature columns. Numeric-only
    input (``feature_transforms`` without ``imputation``): a feature column that is
    all-missing, non-numeric, partly missing, infinite or constant. Mixed input (see
    :mod:`.spec`): a column that is all-missing or constant, a numeric feature that is
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
            _check_categorical(frame[column], dataset, _declared_in(spec, "categorical"))
        else:
            _check_numeric(frame[column], dataset, _declared_in(spec, "numeric"))
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


@dataclass(frozen=True)
class NoSpread:
    """Why a column cannot separate customers: no value at all, or one value for everyone."""

    missing: bool
    value: Any = None

    @property
    def shown(self) -> str:
        """The one value as a message shows it: ``3.5`` for a float, ``'north'`` otherwise."""
        value = self.value
        return f"{value:g}" if isinstance(value, float) else repr(str(value))


def no_spread(values: pd.Series) -> NoSpread | None:
    """:class:`NoSpread` when ``values`` has no present value or a single distinct one.

    The one rule behind every "cannot separate customers" error (model input, the customer
    table's kept rows, the transaction path's capped features); each says it in its own units.
    """
    present = values.dropna()
    if present.empty:
        return NoSpread(missing=True)
    if present.nunique() < 2:
        return NoSpread(missing=False, value=present.iloc[0])
    return None


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
    if not is_numeric_column(values):
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
    if not np.isfinite(values.to_numpy(dtype="float64")).all():
        raise InputValidationError(
            "has infinite values",
            "cap the feature in feature_engineering",
            dataset=dataset,
            column=column,
        )
    spread = no_spread(values)
    if spread is not None:
        raise InputValidationError(
            f"is constant ({float(spread.value):g}) and cannot separate customers",
            "drop it from model_features in the feature_engineering parameters",
            dataset=dataset,
            column=column,
        )


def is_numeric_column(values: pd.Series) -> bool:
    """Numbers (not booleans): what a numeric feature or profile column holds."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _declared_in(spec: FeatureSpec, kind: str) -> str:
    """Where a mixed-input column of ``kind`` is declared, for the fix of an unusable one."""
    if spec.source is None:
        return f"the {kind} columns of the parameters that declared it"
    return f"the {kind} columns in {config_file(f'parameters_{spec.source}.yml')}"


def _check_present_and_varied(values: pd.Series, dataset: str, declared_in: str) -> None:
    """Not entirely missing, and at least two distinct values among the present ones."""
    spread = no_spread(values)
    if spread is None:
        return
    if spread.missing:
        problem = "is entirely missing"
        fix = f"fill the column in the source data or drop it from {declared_in}"
    else:
        problem = f"is constant ({spread.shown}) and cannot separate customers"
        fix = f"drop it from {declared_in}"
    raise InputValidationError(problem, fix, dataset=dataset, column=str(values.name))


def _check_numeric(values: pd.Series, dataset: str, declared_in: str) -> None:
    """A numeric feature of mixed input: numeric, finite where present, not constant."""
    column = str(values.name)
    if values.isna().all():
        _check_present_and_varied(values, dataset, declared_in)
    if not is_numeric_column(values):
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
    _check_present_and_varied(values, dataset, declared_in)


def _check_categorical(values: pd.Series, dataset: str, declared_in: str) -> None:
    """A categorical feature of mixed input: text (or category) values, not constant."""
    column = str(values.name)
    if values.isna().all():
        _check_present_and_varied(values, dataset, declared_in)
    if is_numeric_column(values):
        raise InputValidationError(
            f"is declared categorical but has numeric type {values.dtype}",
            "re-run customer_table (it writes categories as text)",
            dataset=dataset,
            column=column,
        )
    _check_present_and_varied(values, dataset, declared_in)
