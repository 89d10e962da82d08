"""Nodes of ``scoring``: this month's customers through a saved model, no re-fit.

The model is the latest version of ``segmentation_model`` unless one is pinned with
``kedro run --pipelines scoring --load-versions segmentation_model:<version>``.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.model.reference import DriftThresholds, feature_drift
from customer_segmentation.model.segmentation_model import SegmentationModel
from customer_segmentation.pipelines.scoring.params import ScoringParams

logger = logging.getLogger(__name__)

PARAMS_FILE = "parameters_scoring.yml"


def score_customers(
    customer_features: pd.DataFrame, segmentation_model: Any, params: ScoringParams
) -> pd.DataFrame:
    """The segment of every customer of this export, from the saved model.

    Stops before writing when the model is not a saved segmentation model, when the
    customer table lacks a feature the model was fitted on, or when more than
    ``max_outside_share`` of the customers lie far outside the training range (an export of
    another shape or unit); below that share they are flagged ``outside_training_range``.
    """
    model = _checked_model(segmentation_model)
    scored = model.predict(customer_features, params.outside_margin)
    outside = int(scored["outside_training_range"].sum())
    share = outside / max(len(scored), 1)
    if share > params.max_outside_share:
        raise InputValidationError(
            f"{outside} of {len(scored)} customers ({share:.1%}) lie far outside the range of "
            "the customers the model was fitted on: the export does not look like the model's "
            "(another currency, unit or period?)",
            "check the export and its data_processing parameters, or re-fit with `kedro run`; "
            f"scoring.max_outside_share in {config_file(PARAMS_FILE)} allows more",
            dataset="customer_features",
        )
    if outside:
        logger.warning(
            "scoring: %d customer(s) lie far outside the training range "
            "(outside_training_range): their segment is a guess to check",
            outside,
        )
    return scored.sort_values("customer_id", kind="stable", ignore_index=True)


def measure_drift(
    customer_features: pd.DataFrame, segmentation_model: Any, thresholds: DriftThresholds
) -> pd.DataFrame:
    """Per model feature: this export's customers against those the model was fitted on."""
    return feature_drift(
        _checked_model(segmentation_model).reference, customer_features, thresholds
    )


def _checked_model(segmentation_model: Any) -> SegmentationModel:
    if not isinstance(segmentation_model, SegmentationModel):
        raise InputValidationError(
            f"is a {type(segmentation_model).__name__}, not a saved segmentation model (saved "
            "by an earlier version of this project?)",
            "run `kedro run` once to fit and save a model, or pin a version saved since "
            "(--load-versions segmentation_model:<version>)",
            dataset="segmentation_model",
        )
    return segmentation_model
