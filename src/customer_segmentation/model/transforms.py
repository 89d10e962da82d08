"""Feature transforms shared by the pipelines that build and read the model input.

``feature_engineering`` fits them (``feature_transforms`` dataset); ``clustering`` and
``reporting`` invert them to show centroids and profiles in the units users know.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError


def signed_log1p(values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """``sign(x) * log1p(|x|)``: compresses long right tails and keeps negative net revenue."""
    return np.sign(values) * np.log1p(np.abs(values))


def inverse_signed_log1p(values: pd.Series | np.ndarray) -> pd.Series | np.ndarray:
    """Inverse of :func:`signed_log1p`."""
    return np.sign(values) * np.expm1(np.abs(values))


def apply_feature_transforms(features: pd.DataFrame, transforms: dict[str, Any]) -> pd.DataFrame:
    """Cap each model feature at its fitted bounds, then log the skewed ones.

    ``transforms`` is the ``feature_transforms`` dataset: ``model_features`` (ordered list),
    ``log1p_features`` (subset) and ``caps`` (``{feature: {"lower": x, "upper": y}}`` in raw units).
    """
    transformed = pd.DataFrame(index=features.index)
    for feature in transforms["model_features"]:
        cap = transforms["caps"][feature]
        values = features[feature].astype("float64").clip(cap["lower"], cap["upper"])
        if feature in transforms["log1p_features"]:
            values = signed_log1p(values)
        transformed[feature] = values
    return transformed


def invert_feature_transforms(
    model_values: pd.DataFrame, transforms: dict[str, Any]
) -> pd.DataFrame:
    """Map model-input values (e.g. centroids) back to raw feature units."""
    original = model_values.copy()
    for feature in transforms["log1p_features"]:
        if feature in original:
            original[feature] = inverse_signed_log1p(original[feature].astype("float64"))
    return original


def select_model_features(
    model_input: pd.DataFrame, transforms: dict[str, Any], features: list[str]
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``model_input`` and ``feature_transforms`` cut down to ``features`` (in that order).

    Every list or mapping of ``transforms`` that names model features keeps only those
    features, so the cut-down pair describes a model of its own (an experiment's).
    """
    available = list(transforms["model_features"])
    unknown = [feature for feature in features if feature not in available]
    if unknown:
        raise InputValidationError(
            f"lists {unknown}, which are not model features ({', '.join(available)})",
            "list only model features (feature_engineering.model_features, or the "
            "customer table's features)",
            parameter="experiments.run",
        )
    kept = set(features)
    selected: dict[str, Any] = {}
    for key, value in transforms.items():
        if isinstance(value, list) and set(value) <= set(available):
            selected[key] = [feature for feature in features if feature in value]
        elif isinstance(value, dict) and set(value) <= set(available):
            selected[key] = {f: v for f, v in value.items() if f in kept}
        else:
            selected[key] = value
    selected["model_features"] = list(features)
    columns = [column for column in model_input.columns if column not in available]
    return model_input[[*columns, *features]].copy(), selected
