"""Scoring customers with a saved model, on the planted groups of the clustering tests."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model.reference import DriftThresholds
from customer_segmentation.pipelines.clustering import nodes as clustering
from customer_segmentation.pipelines.clustering.naming import name_segments
from customer_segmentation.pipelines.scoring.nodes import measure_drift, score_customers
from customer_segmentation.pipelines.scoring.params import ScoringParams
from tests.pipelines.clustering.conftest import (
    BEST_PARAMS,
    customer_features_for,
    planted_frame,
    transforms_for,
    typed_params,
)

SCORING = ScoringParams(outside_margin=0.5, max_outside_share=0.05, refuse_up_to_customers=0)
DRIFT = DriftThresholds(psi_watch=0.1, psi_shift=0.25, ks_shift=0.1, significance=0.01)


@pytest.fixture(scope="module")
def fitted():
    """A saved model, the run's own segments, and the customer table it was fitted on."""
    frame, _ = planted_frame()
    settings = typed_params()
    estimator = clustering.fit_segmentation_model(frame, BEST_PARAMS, settings)
    names = name_segments(
        clustering.compute_centroids(estimator, frame, transforms_for(frame)), settings
    )
    customers = customer_features_for(frame)
    model = clustering.package_segmentation_model(
        estimator, transforms_for(frame), names, customers, settings
    )
    return model, clustering.assign_customers(frame, model), customers


def test_the_training_customers_get_the_run_segments(fitted):
    model, segments, customers = fitted
    scored = score_customers(customers.sample(frac=1, random_state=1), model, SCORING)
    pd.testing.assert_frame_equal(scored.drop(columns="outside_training_range"), segments)
    assert not scored["outside_training_range"].any()


def test_a_few_customers_far_outside_are_flagged_not_refused(fitted, caplog):
    model, _, customers = fitted
    odd = customers.copy()
    odd.loc[odd.index[:3], "monetary"] = customers["monetary"].max() * 100
    scored = score_customers(odd, model, SCORING)
    assert scored["outside_training_range"].sum() == 3
    assert "3 customer(s) lie far outside the training range" in caplog.text


def test_an_export_in_another_unit_stops_before_writing(fitted):
    model, _, customers = fitted
    cents = customers.assign(monetary=customers["monetary"].abs() * 1000 + 1e6)
    with pytest.raises(InputValidationError) as error:
        score_customers(cents, model, SCORING)
    message = str(error.value)
    assert "\n" not in message and message.startswith("dataset 'customer_features': ")
    assert "lie far outside the range of the customers the model was fitted on" in message


def test_a_feature_the_model_needs_is_named(fitted):
    model, _, customers = fitted
    with pytest.raises(InputValidationError, match=r"has no column\(s\) \['tenure'\]"):
        score_customers(customers.drop(columns="tenure"), model, SCORING)


def test_an_old_model_file_is_named(fitted):
    model, _, customers = fitted
    with pytest.raises(InputValidationError, match="is a Pipeline, not a saved segmentation model"):
        score_customers(customers, model.estimator, SCORING)


def test_drift_of_the_training_customers_is_nil(fitted):
    model, _, customers = fitted
    drift = measure_drift(customers, model, DRIFT)
    assert set(drift["verdict"]) == {"stable"}
    assert drift["psi"].max() < 1e-9
