"""The model builder: the preprocessing step and the clusterer, as one scikit-learn Pipeline.

Numeric-only input: ``Pipeline([("scaler", <scaler>), ("cluster", <clusterer>)])``. Mixed
input (see :mod:`.spec`): ``Pipeline([("preprocess", ColumnTransformer), ("cluster", ...)])``.
The clusterer is any estimator of :mod:`.algorithms` (models saved before experiments name
that step ``kmeans``: readers take the last step, whatever its name). The step names are the
saved model's: :mod:`.fitted` reads them back.
"""

from __future__ import annotations

from typing import Any

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from customer_segmentation.model.spec import FeatureSpec

PREPROCESS = "preprocess"
SCALER = "scaler"
CLUSTER = "cluster"
NUMERIC = "numeric"
CATEGORICAL = "categorical"
IMPUTE = "impute"
SCALE = "scale"
ONEHOT = "onehot"


def build_model(spec: FeatureSpec, scaler: Any, clusterer: Any) -> Pipeline:
    """The unfitted segmentation model: ``scaler -> cluster`` or ``preprocess -> cluster``."""
    first = (PREPROCESS, build_preprocessor(spec, scaler)) if spec.mixed else (SCALER, scaler)
    return Pipeline([first, (CLUSTER, clusterer)])


def build_preprocessor(spec: FeatureSpec, scaler: Any) -> Any:
    """The step before the clusterer: ``scaler`` itself (numeric only) or the ColumnTransformer.

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
