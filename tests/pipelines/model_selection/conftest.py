"""Small in-memory inputs for the model_selection tests."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from customer_segmentation.pipelines.feature_engineering.nodes import CUSTOMER_FEATURES
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from tests.pipelines.pipeline_helpers import load_parameters, typed_parameters, with_dotted

FEATURES = list(CUSTOMER_FEATURES)
DEFAULT_PARAMS = load_parameters("model_selection")


def blobs_frame(
    n: int = 600, centers: int = 4, seed: int = 0, sizes: list[int] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """``model_input``-shaped frame of well-separated blobs and the planted labels."""
    values, planted = make_blobs(
        n_samples=sizes or n,
        n_features=len(FEATURES),
        centers=None if sizes else centers,
        cluster_std=1.0,
        center_box=(-10.0, 10.0),
        random_state=seed,
    )
    frame = pd.DataFrame(values, columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame, planted


def pairs_frame(seed: int = 0, per_group: int = 150) -> tuple[pd.DataFrame, np.ndarray]:
    """Four groups in two well-separated pairs: K=2 and K=4 score the same silhouette.

    The pairs lie 2 x 5.75 apart along one direction, the groups of a pair 2 x 3.9 apart
    along another (unit noise): K=2 scores about 0.52 and the planted K=4 about 0.51.
    """
    rng = np.random.default_rng(seed)
    across = np.ones(len(FEATURES)) / np.sqrt(len(FEATURES))
    within = np.array([1.0, -1.0] * (len(FEATURES) // 2) + [0.0] * (len(FEATURES) % 2))
    within /= np.linalg.norm(within)
    centres = np.array(
        [side * 5.75 * across + half * 3.9 * within for side in (-1, 1) for half in (-1, 1)]
    )
    planted = np.repeat(np.arange(4), per_group)
    values = centres[planted] + rng.normal(size=(len(planted), len(FEATURES)))
    frame = pd.DataFrame(values, columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(len(frame))])
    return frame, planted


def small_params(**overrides: Any) -> dict[str, Any]:
    """The project's parameters, shrunk for fast tests (in-memory study, few trials), raw.

    ``overrides`` use ``__`` for nesting: ``study__n_trials=3``.
    """
    params = copy.deepcopy(DEFAULT_PARAMS)
    params["k_range"] = {"min": 2, "max": 6}
    params["kmeans"]["n_init"] = 2
    params["study"].update(storage=None, n_trials=8, n_startup_trials=4)
    return with_dotted(params, **overrides)


def small_settings(**overrides: Any) -> ModelSelectionParams:
    """:func:`small_params` as the validated model the nodes receive."""
    return typed_parameters("model_selection", small_params(**overrides))


@pytest.fixture
def blobs() -> tuple[pd.DataFrame, np.ndarray]:
    return blobs_frame()
