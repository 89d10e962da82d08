"""What a fitted segmentation model holds: its declaration, scaler, imputer and centres.

Lets the nodes that only get the saved model (assignment, stability, centroids, reporting)
read it back without knowing how :mod:`.builder` assembled it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from customer_segmentation.model.algorithms import cluster_centres, clusterer_of
from customer_segmentation.model.builder import (
    CATEGORICAL,
    IMPUTE,
    NUMERIC,
    ONEHOT,
    PREPROCESS,
    SCALE,
    SCALER,
)

#: Column name of a category share in centroid tables: ``<feature>=<category>``.
CATEGORY_SEPARATOR = "="


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
    """Cluster centres as (numeric part in model-input units, category shares).

    The numeric part goes back through the numeric scaler. The one-hot part of a centre is the
    mean of its customers' 0/1 category columns, i.e. the share of the segment in each category
    (after imputation); it is divided by ``categorical_weight`` and returned with one column per
    category, named ``<feature>=<category>`` (none on the numeric-only path).
    """
    centres = cluster_centres(clusterer_of(model))
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
