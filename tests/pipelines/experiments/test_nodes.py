"""An experiment's features and summary, and the comparison of experiments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.experiments.nodes import (
    COMPARISON_COLUMNS,
    compare_experiments,
    select_experiment_features,
)
from customer_segmentation.pipelines.experiments.params import ExperimentsParams, ExperimentSpec

FEATURES = ["recency", "frequency", "monetary", "tenure"]


def model_input(n: int = 6) -> pd.DataFrame:
    frame = pd.DataFrame(np.arange(n * 4, dtype="float64").reshape(n, 4), columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i}" for i in range(n)])
    return frame


TRANSFORMS = {
    "model_features": FEATURES,
    "log1p_features": ["frequency", "monetary"],
    "caps": {f: {"lower": 0.0, "upper": 100.0} for f in FEATURES},
}


def test_an_experiment_keeps_only_its_features_in_its_order():
    frame, transforms = select_experiment_features(
        model_input(), TRANSFORMS, ExperimentSpec(features=("monetary", "recency"))
    )
    assert list(frame.columns) == ["customer_id", "monetary", "recency"]
    assert transforms["model_features"] == ["monetary", "recency"]
    assert transforms["log1p_features"] == ["monetary"]
    assert set(transforms["caps"]) == {"monetary", "recency"}
    # every feature by default, as a raw mapping too
    frame, transforms = select_experiment_features(model_input(), TRANSFORMS, {})
    assert list(frame.columns) == ["customer_id", *FEATURES] and transforms == TRANSFORMS


def test_an_unknown_feature_is_one_line():
    with pytest.raises(InputValidationError, match=r"lists \['spend'\], which are not model"):
        select_experiment_features(model_input(), TRANSFORMS, {"features": ["spend"]})


def result(labels: list[int], k: int, features: list[str], algorithm: str = "kmeans") -> tuple:
    best = {"k": k, "scaler": "standard", "features": features, "algorithm": {"name": algorithm}}
    metrics = {
        "silhouette": 0.4,
        "silhouette_std": 0.01,
        "stability": 0.9,
        "min_cluster_share": 0.2,
        "calinski_harabasz": 100.0,
        "davies_bouldin": 0.9,
        "search_seconds": 1.5,
    }
    frame = pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(labels))], "cluster": labels})
    return best, metrics, frame


def test_the_comparison_has_a_row_per_experiment_and_a_symmetric_agreement():
    params = ExperimentsParams(
        chosen="a",
        run={
            "a": ExperimentSpec(description="first"),
            "b": ExperimentSpec(),
            "c": ExperimentSpec(),
        },
    )
    table, agreement = compare_experiments(
        params,
        *result([0, 0, 1, 1, 2, 2], 3, FEATURES),
        # the same partition under other cluster numbers
        *result([2, 2, 0, 0, 1, 1], 3, FEATURES, "gaussian_mixture"),
        *result([0, 1, 0, 1, 0, 1], 2, FEATURES[:2]),
    )
    assert list(table.columns) == list(COMPARISON_COLUMNS)
    assert table["experiment"].tolist() == ["a", "b", "c"]
    assert table["chosen"].tolist() == [True, False, False]
    assert table["algorithm"].tolist() == ["kmeans", "gaussian_mixture", "kmeans"]
    assert table["agreement_with_chosen"].tolist()[:2] == [1.0, 1.0]
    assert table["agreement_with_chosen"].iloc[2] < 0.1
    assert table["same_features_as_chosen"].tolist() == [True, True, False]
    matrix = agreement.set_index("experiment").to_numpy()
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
