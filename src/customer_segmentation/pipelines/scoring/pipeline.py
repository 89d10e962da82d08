"""Wiring of ``scoring``: customer table -> segments and drift from the saved model.

Registered as ``scoring`` together with ``data_processing`` and the customer-table part of
``feature_engineering`` (see ``pipeline_registry``), so that ``kedro run --pipelines scoring``
reads a new export and fits nothing.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import measure_drift, score_customers


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                score_customers,
                inputs=["customer_features", "segmentation_model", "params:scoring"],
                outputs="scored_customers",
                name="score_customers",
            ),
            Node(
                measure_drift,
                # the thresholds of monitoring: one definition of "shifted"
                inputs=["customer_features", "segmentation_model", "params:monitoring.drift"],
                outputs="scoring_drift",
                name="measure_scoring_drift",
            ),
        ],
        tags="scoring",
    )
