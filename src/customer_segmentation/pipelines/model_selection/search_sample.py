"""The search sample: the fixed-seed customers every K and trial of the search runs on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import (
    ID_COLUMN,
    PASSTHROUGH,
    FeatureSpec,
    build_preprocessor,
    fit_transform_scaler,
    model_input_spec,
    sample_positions,
)
from customer_segmentation.pipelines.model_selection.params import (
    PARAMETER_GROUP,
    ModelSelectionParams,
)


@dataclass(frozen=True)
class SearchSample:
    """The fixed-seed rows the search runs on.

    ``values`` holds the numeric features of the search sample (model-input units; imputed
    on mixed input), the part every trial's scaler transforms; ``encoded`` the one-hot
    categorical columns (times ``categorical_weight``; no columns on the numeric-only path),
    appended unscaled. ``features`` are all model features in ``model_input`` order.
    """

    features: list[str]
    customer_ids: np.ndarray
    values: np.ndarray
    n_customers: int
    encoded: np.ndarray = field(default_factory=lambda: np.empty((0, 0)))
    spec: FeatureSpec | None = None


def draw_search_sample(
    model_input: pd.DataFrame,
    params: ModelSelectionParams,
    feature_transforms: dict[str, Any] | None = None,
) -> SearchSample:
    """Validate ``model_input`` and draw the fixed-seed search sample.

    With ``sampling.seed`` fixed, the same customers give the same rows whatever their
    order. At most ``search_sample_size`` customers are kept (all when fewer; the parameter
    model makes it at least ``k_range.max``). Raises when ``model_input`` holds no more
    customers than ``k_range.max`` (the K grid fits every K of the range).

    ``feature_transforms`` tells numeric from categorical features (see
    :mod:`customer_segmentation.model.spec`). On mixed input the sample's numeric features are
    imputed and its categorical features one-hot encoded here, once, by the model's own
    preprocessing fitted on the sample (no scaling); each trial then scales the numeric part
    only.
    """
    frame, spec = model_input_spec(model_input, feature_transforms)
    largest_k = params.k_range.max  # the K grid fits every K of k_range, even with forced_k
    if len(frame) <= largest_k:  # silhouette needs more customers than clusters
        raise InputValidationError(
            f"has {len(frame)} customers; the largest K {largest_k} needs at least "
            f"{largest_k + 1} (silhouette compares each customer with the other segments)",
            f"lower k_range.max to at most {len(frame) - 1} or provide more customers",
            dataset="model_input",
            parameter=f"{PARAMETER_GROUP}.k_range.max",
        )
    sampling = params.sampling
    search_rows = sample_positions(len(frame), sampling.search_sample_size, sampling.seed)
    features = list(spec.features)
    encoded = np.empty((len(search_rows), 0))
    if spec.mixed:
        rows = frame.iloc[search_rows][features]
        block = build_preprocessor(spec, PASSTHROUGH).fit(rows).transform(rows)
        block = np.asarray(block, dtype="float64")
        values, encoded = block[:, : len(spec.numeric)], block[:, len(spec.numeric) :]
    else:
        values = frame[features].to_numpy(dtype="float64")[search_rows]
    return SearchSample(
        features=features,
        customer_ids=frame[ID_COLUMN].to_numpy(dtype=str)[search_rows],
        values=np.ascontiguousarray(values),
        n_customers=len(frame),
        encoded=np.ascontiguousarray(encoded),
        spec=spec,
    )


def scoring_values(sample: SearchSample, params: ModelSelectionParams) -> np.ndarray | None:
    """The space every trial is scored in: ``None`` = each trial's own scaled space.

    ``scoring_space: standardized`` scores all trials on the z-scored search sample, one
    fixed geometry, so scores compare across scalers: in its own space a scaler that
    stretches one feature (robust on a mostly-zero ``return_rate``) makes the data nearly
    one-dimensional and earns a high but meaningless silhouette.
    """
    if params.scoring_space == "scaled":
        return None
    return scaled_sample(sample, "standard", params)


def scaled_sample(sample: SearchSample, scaler: str, params: ModelSelectionParams) -> np.ndarray:
    """The search sample as the model sees it with ``scaler`` fitted on it.

    The scaler transforms the numeric features; the encoded categorical columns (mixed input)
    are appended as they are, like the ``preprocess`` step of the final model.
    """
    scaled = sample.values
    if sample.values.shape[1]:
        _, scaled = fit_transform_scaler(scaler, sample.values, params.kmeans.random_state)
    if sample.encoded.shape[1]:
        scaled = np.hstack([np.asarray(scaled, dtype="float64"), sample.encoded])
    return np.ascontiguousarray(scaled, dtype="float64")
