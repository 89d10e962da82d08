"""Numeric and categorical model features, and the preprocessing the model applies before KMeans.

Shared by ``model_selection`` (search) and ``clustering`` (final model). ``model_input`` comes in
two shapes, told apart by ``feature_transforms``:

* **numeric only** (``feature_engineering``, the transaction path): every feature is a complete
  float column and ``feature_transforms`` has no ``imputation`` key. The model is
  ``Pipeline([("scaler", <scaler>), ("kmeans", KMeans)])``, exactly as before.
* **mixed** (``customer_table``): ``feature_transforms`` lists ``numeric_features`` and
  ``categorical_features`` and the ``imputation`` strategies; numeric columns may have missing
  values, categorical columns are text. The model is ``Pipeline([("preprocess",
  ColumnTransformer), ("kmeans", KMeans)])`` where the ColumnTransformer holds
  ``numeric``: ``SimpleImputer -> <scaler>`` and ``categorical``: ``SimpleImputer ->
  OneHotEncoder(handle_unknown="ignore")`` weighted by ``categorical_weight``. Imputation and
  encoding live inside the saved model, so a later month scores new customers (even with a
  category never seen) the same way. The scaler searched by Optuna is the numeric one only.

The dtypes of ``model_input`` must agree with the declaration: numeric features have a numeric
dtype, categorical features a text (or category) dtype.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from customer_segmentation.errors import InputValidationError

PREPROCESS = "preprocess"
SCALER = "scaler"
KMEANS = "kmeans"
NUMERIC = "numeric"
CATEGORICAL = "categorical"
IMPUTE = "impute"
SCALE = "scale"
ONEHOT = "onehot"
NUMERIC_IMPUTERS = ("mean", "median", "most_frequent")
CATEGORICAL_IMPUTERS = ("most_frequent", "constant")
#: Column name of a category share in centroid tables: ``<feature>=<category>``.
CATEGORY_SEPARATOR = "="
_FIX = "re-run the pipeline that writes model_input and feature_transforms (customer_table)"


@dataclass(frozen=True)
class FeatureSpec:
    """Which model features are numeric or categorical, and how the model imputes them.

    ``features`` is the ``model_input`` column order (without ``customer_id``). ``mixed`` is
    false for the numeric-only transaction path (no imputer, no encoder).
    """

    features: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    numeric_imputer: str | None = None
    categorical_imputer: str | None = None
    categorical_fill_value: str = "missing"
    categorical_weight: float = 1.0

    @property
    def mixed(self) -> bool:
        """True when the model imputes and encodes (``preprocess`` step)."""
        return self.numeric_imputer is not None

    def describe(self) -> dict[str, Any]:
        """Plain dict of the spec (for fingerprints and ``best_params``)."""
        return {
            "numeric_features": list(self.numeric),
            "categorical_features": list(self.categorical),
            "imputation": {
                "numeric": self.numeric_imputer,
                "categorical": self.categorical_imputer,
                "categorical_fill_value": self.categorical_fill_value,
            },
            "categorical_weight": self.categorical_weight,
        }


def feature_spec(features: list[str], feature_transforms: Any) -> FeatureSpec:
    """The spec of ``features`` (model_input order) as ``feature_transforms`` declares it.

    No ``imputation`` key (or no ``feature_transforms``): every feature is numeric, numeric-only
    path. Otherwise ``numeric_features`` and ``categorical_features`` must split ``features``
    exactly and the imputation strategies must be known.
    """
    if not isinstance(feature_transforms, Mapping) or "imputation" not in feature_transforms:
        return FeatureSpec(tuple(features), tuple(features))
    numeric = _name_list(feature_transforms, "numeric_features")
    categorical = _name_list(feature_transforms, "categorical_features")
    overlap = sorted(set(numeric) & set(categorical))
    if overlap or set(numeric) | set(categorical) != set(features):
        raise InputValidationError(
            f"declares numeric_features {numeric} and categorical_features {categorical} "
            f"(overlap {overlap}), model_input has features {features}",
            _FIX,
            dataset="feature_transforms",
        )
    imputation = feature_transforms["imputation"]
    if not isinstance(imputation, Mapping):
        raise InputValidationError(
            f"has imputation {imputation!r}, not a mapping", _FIX, dataset="feature_transforms"
        )
    numeric_imputer = imputation.get("numeric")
    categorical_imputer = imputation.get("categorical")
    if numeric_imputer not in NUMERIC_IMPUTERS or categorical_imputer not in CATEGORICAL_IMPUTERS:
        raise InputValidationError(
            f"has imputation numeric={numeric_imputer!r}, categorical={categorical_imputer!r}; "
            f"numeric must be one of {', '.join(NUMERIC_IMPUTERS)}, categorical one of "
            f"{', '.join(CATEGORICAL_IMPUTERS)}",
            _FIX,
            dataset="feature_transforms",
        )
    weight = feature_transforms.get("categorical_weight", 1.0)
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not weight > 0:
        raise InputValidationError(
            f"has categorical_weight {weight!r}, must be a number > 0",
            _FIX,
            dataset="feature_transforms",
        )
    return FeatureSpec(
        features=tuple(features),
        numeric=tuple(f for f in features if f in numeric),
        categorical=tuple(f for f in features if f in categorical),
        numeric_imputer=str(numeric_imputer),
        categorical_imputer=str(categorical_imputer),
        categorical_fill_value=str(imputation.get("categorical_fill_value", "missing")),
        categorical_weight=float(weight),
    )


def _name_list(feature_transforms: Mapping[str, Any], key: str) -> list[str]:
    names = feature_transforms.get(key)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InputValidationError(
            f"has {key} {names!r}, not a list of column names", _FIX, dataset="feature_transforms"
        )
    return names


def model_declaration(model: Pipeline) -> dict[str, Any] | None:
    """What a fitted model was built from, in ``feature_transforms`` form (None: numeric only).

    Lets the nodes that only get the model (assignment, stability, centroids) validate
    ``model_input`` against the model's own numeric/categorical split.
    """
    if PREPROCESS not in model.named_steps:
        return None
    columns = model.named_steps[PREPROCESS]
    steps = {name: (transformer, list(cols)) for name, transformer, cols in columns.transformers}
    numeric_steps, numeric = steps.get(NUMERIC, (None, []))
    categorical_steps, categorical = steps.get(CATEGORICAL, (None, []))
    weights = columns.transformer_weights or {}
    return {
        "numeric_features": numeric,
        "categorical_features": categorical,
        "imputation": {
            "numeric": numeric_steps.named_steps[IMPUTE].strategy if numeric_steps else "median",
            "categorical": (
                categorical_steps.named_steps[IMPUTE].strategy
                if categorical_steps
                else "most_frequent"
            ),
            "categorical_fill_value": (
                categorical_steps.named_steps[IMPUTE].fill_value if categorical_steps else "missing"
            ),
        },
        "categorical_weight": float(weights.get(CATEGORICAL, 1.0)),
    }


def build_preprocessor(spec: FeatureSpec, scaler: Any) -> Any:
    """The step before KMeans: ``scaler`` itself (numeric only) or the ColumnTransformer.

    ``scaler`` is a fresh transformer or ``"passthrough"``; in the mixed case it scales the
    imputed numeric features only. Output columns: numeric features (``spec.numeric`` order),
    then one 0/1 column per category (times ``categorical_weight``).
    """
    if not spec.mixed:
        return scaler
    transformers: list[tuple[str, Any, list[str]]] = []
    if spec.numeric:
        numeric = Pipeline(
            [
                (IMPUTE, SimpleImputer(strategy=spec.numeric_imputer, keep_empty_features=True)),
                (SCALE, scaler),
            ]
        )
        transformers.append((NUMERIC, numeric, list(spec.numeric)))
    if spec.categorical:
        categorical = Pipeline(
            [
                (
                    IMPUTE,
                    SimpleImputer(
                        strategy=spec.categorical_imputer,
                        fill_value=spec.categorical_fill_value,
                        keep_empty_features=True,
                    ),
                ),
                (ONEHOT, OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
            ]
        )
        transformers.append((CATEGORICAL, categorical, list(spec.categorical)))
    return ColumnTransformer(
        transformers,
        remainder="drop",
        sparse_threshold=0.0,
        transformer_weights={CATEGORICAL: spec.categorical_weight} if spec.categorical else None,
    )


def numeric_scaler(model: Pipeline) -> Any:
    """The fitted scaler of the numeric features (``"passthrough"`` for none)."""
    if PREPROCESS not in model.named_steps:
        return model.named_steps[SCALER]
    return model.named_steps[PREPROCESS].named_transformers_[NUMERIC].named_steps[SCALE]


def imputed_numeric(model: Pipeline, frame: pd.DataFrame, numeric: list[str]) -> pd.DataFrame:
    """``frame``'s numeric features after the model's imputer (as they are, numeric only)."""
    if PREPROCESS not in model.named_steps or not numeric:
        return frame[numeric].astype("float64")
    imputer = model.named_steps[PREPROCESS].named_transformers_[NUMERIC].named_steps[IMPUTE]
    values = imputer.transform(frame[numeric])
    return pd.DataFrame(values, columns=numeric, index=frame.index)


def split_centres(model: Pipeline) -> tuple[np.ndarray, pd.DataFrame]:
    """KMeans centres as (numeric part in model-input units, category shares).

    The numeric part goes back through the numeric scaler. The one-hot part of a centre is the
    mean of its customers' 0/1 category columns, i.e. the share of the segment in each category
    (after imputation); it is divided by ``categorical_weight`` and returned with one column per
    category, named ``<feature>=<category>`` (none on the numeric-only path).
    """
    centres = model.named_steps[KMEANS].cluster_centers_
    if PREPROCESS not in model.named_steps:
        scaler = model.named_steps[SCALER]
        numeric = centres if scaler == "passthrough" else scaler.inverse_transform(centres)
        return np.asarray(numeric, dtype="float64"), pd.DataFrame(index=range(len(centres)))
    columns = model.named_steps[PREPROCESS]
    declaration = model_declaration(model) or {}
    n_numeric = len(declaration["numeric_features"])
    numeric = centres[:, :n_numeric]
    if n_numeric:
        scaler = numeric_scaler(model)
        if scaler != "passthrough":
            numeric = scaler.inverse_transform(numeric)
    shares: dict[str, np.ndarray] = {}
    if declaration["categorical_features"]:
        encoder = columns.named_transformers_[CATEGORICAL].named_steps[ONEHOT]
        weight = declaration["categorical_weight"]
        position = n_numeric
        for feature, categories in zip(
            declaration["categorical_features"], encoder.categories_, strict=True
        ):
            for category in categories:
                name = f"{feature}{CATEGORY_SEPARATOR}{category}"
                shares[name] = np.clip(centres[:, position] / weight, 0.0, 1.0)
                position += 1
    return np.asarray(numeric, dtype="float64"), pd.DataFrame(shares)
