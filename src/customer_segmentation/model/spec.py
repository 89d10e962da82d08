"""The feature spec: which model features are numeric or categorical, and how they are imputed.

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

from customer_segmentation.errors import InputValidationError

NUMERIC_IMPUTERS = ("mean", "median", "most_frequent")
CATEGORICAL_IMPUTERS = ("most_frequent", "constant")
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
    #: the parameter group that declared the features (``feature_transforms["source"]``)
    source: str | None = None

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
        source=feature_transforms.get("source"),
    )


def _name_list(feature_transforms: Mapping[str, Any], key: str) -> list[str]:
    names = feature_transforms.get(key)
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
        raise InputValidationError(
            f"has {key} {names!r}, not a list of column names", _FIX, dataset="feature_transforms"
        )
    return names
