"""Small in-memory inputs for the clustering tests: planted, nameable customer groups."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.pipelines.clustering.params import ClusteringParams
from customer_segmentation.pipelines.feature_engineering.nodes import CUSTOMER_FEATURES
from tests.pipelines.pipeline_helpers import load_parameters, typed_parameters, with_dotted

FEATURES = list(CUSTOMER_FEATURES)
LOG1P_FEATURES = [
    "frequency",
    "monetary",
    "avg_order_value",
    "distinct_products",
    "units_per_order",
]
# Centres in model-input units, one row per planted group, columns in FEATURES order.
PLANTED = {
    "Champions": [-2.0, 3.0, 3.0, 1.0, 1.0, -1.0, 0.0, 2.0, 0.0],
    "Lapsed / At Risk": [3.0, -1.5, -0.5, 0.0, 1.0, 2.0, 0.0, -1.0, 0.0],
    "Occasional Buyers": [0.5, -1.5, -2.5, -2.0, 0.5, 0.0, 0.0, -1.0, 0.0],
    "New Customers": [-2.0, -1.0, 0.0, 0.0, -3.0, 0.0, 0.0, 0.0, 0.0],
}
DEFAULT_PARAMS = load_parameters("clustering")


def planted_frame(
    sizes: tuple[int, ...] = (150, 150, 150, 150), seed: int = 0, spread: float = 0.4
) -> tuple[pd.DataFrame, np.ndarray]:
    """``model_input``-shaped frame around the PLANTED centres, and the planted group ids."""
    rng = np.random.default_rng(seed)
    centres = np.array(list(PLANTED.values()))
    groups = np.repeat(np.arange(len(sizes)), sizes)
    values = centres[groups] + rng.normal(scale=spread, size=(len(groups), len(FEATURES)))
    order = rng.permutation(len(groups))
    frame = pd.DataFrame(values[order], columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame, groups[order]


def customer_features_for(frame: pd.DataFrame) -> pd.DataFrame:
    """The customer table ``frame`` is the model input of (the log1p features undone)."""
    raw = frame.copy()
    for feature in LOG1P_FEATURES:
        raw[feature] = np.sign(raw[feature]) * np.expm1(np.abs(raw[feature]))
    return raw


def transforms_for(frame: pd.DataFrame) -> dict[str, Any]:
    """A ``feature_transforms`` dataset consistent with ``frame`` (caps in raw units)."""
    raw = customer_features_for(frame)
    return {
        "model_features": list(FEATURES),
        "log1p_features": list(LOG1P_FEATURES),
        "caps": {f: {"lower": float(raw[f].min()), "upper": float(raw[f].max())} for f in FEATURES},
    }


def small_params(**overrides: Any) -> dict[str, Any]:
    """The project's clustering parameters, shrunk for fast tests."""
    params = copy.deepcopy(DEFAULT_PARAMS)
    params["kmeans"]["n_init"] = 3
    params["stability"].update(n_bootstrap=8, sample_size=400)
    return with_dotted(params, **overrides)


def typed_params(**overrides: Any) -> ClusteringParams:
    """:func:`small_params` as the validated model the nodes receive."""
    return typed_parameters("clustering", small_params(**overrides))


BEST_PARAMS = {"scaler": "standard", "k": 4, "features": list(FEATURES)}


@pytest.fixture
def planted() -> tuple[pd.DataFrame, np.ndarray]:
    return planted_frame()
