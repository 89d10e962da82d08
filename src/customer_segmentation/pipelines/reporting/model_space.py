"""Customers in model space: the model input as the fitted model (or the selection) sees it.

The silhouette and PCA figures draw customers there; the report reads which space the
selection scored in (:data:`STANDARDIZED`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import PREPROCESS, imputed_numeric, model_declaration

from .segments import join_segments, require_columns, require_keys

#: Where model_selection scored the candidates: the z-scored model input (one geometry for all).
STANDARDIZED = "standardized"


def _check_pipeline(clustering_model: Any) -> None:
    if not isinstance(clustering_model, Pipeline) or len(clustering_model.steps) < 2:
        raise InputValidationError(
            f"is a {type(clustering_model).__name__}, not a fitted sklearn Pipeline "
            "(scaler, kmeans)",
            "re-run the clustering pipeline",
            dataset="clustering_model",
        )


def _segmented_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Any,
    feature_transforms: dict[str, Any],
) -> tuple[list[str], pd.DataFrame]:
    """The model's features and the model input joined to each customer's cluster."""
    _check_pipeline(clustering_model)
    features = model_features(feature_transforms, model_input, "model_input")
    return features, join_segments(model_input, customer_segments, "model_input")


def scaled_model_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Model input passed through every step of the model but the last, and each row's cluster."""
    features, merged = _segmented_input(
        model_input, customer_segments, clustering_model, feature_transforms
    )
    scaled = np.asarray(clustering_model[:-1].transform(merged[features]), dtype="float64")
    return scaled, merged["cluster"].to_numpy()


def standardized_model_input(
    model_input: pd.DataFrame,
    customer_segments: pd.DataFrame,
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
) -> tuple[np.ndarray, np.ndarray]:
    """Model input in the space ``model_selection`` scores candidates in, and each row's cluster.

    The numeric model features are z-scored (``StandardScaler`` over the segmented customers),
    whatever scaler the model uses: one geometry for every scaler, as with ``scoring_space:
    standardized``. With a ``preprocess`` step (customer table) the numeric features are first
    imputed by the model's imputer, and its one-hot category columns (times
    ``categorical_weight``) are appended as the model makes them, as the selection does.
    """
    features, merged = _segmented_input(
        model_input, customer_segments, clustering_model, feature_transforms
    )
    if PREPROCESS in clustering_model.named_steps:
        numeric = list((model_declaration(clustering_model) or {})["numeric_features"])
        values = imputed_numeric(clustering_model, merged, numeric).to_numpy(dtype="float64")
        processed = np.asarray(clustering_model[:-1].transform(merged[features]))
        encoded = processed[:, len(numeric) :].astype("float64")
    else:
        values = merged[features].to_numpy(dtype="float64")
        encoded = np.empty((len(merged), 0))
    if values.shape[1]:
        values = StandardScaler().fit_transform(values)
    return np.hstack([values, encoded]), merged["cluster"].to_numpy()


def model_features(feature_transforms: dict[str, Any], frame: pd.DataFrame, name: str) -> list[str]:
    """The model features ``feature_transforms`` declares, checked to be columns of ``frame``."""
    require_keys(feature_transforms, ["model_features", "log1p_features"], "feature_transforms")
    features = list(feature_transforms["model_features"])
    require_columns(frame, features, name)
    return features
