"""Feature transforms shared by the pipelines that build and read the model input.

``feature_engineering`` fits them (``feature_transforms`` dataset); ``clustering`` and
``reporting`` invert them to show centroids and profiles in the units users know.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


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
