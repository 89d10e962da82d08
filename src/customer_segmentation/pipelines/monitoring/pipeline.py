"""Wiring of ``monitoring``: this run's segments and customers against the last run's."""

from kedro.pipeline import Node, Pipeline

from .nodes import compare_features, compare_segments, recommend


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                compare_segments,
                inputs=["customer_segments", "previous_customer_segments"],
                outputs=["segment_migration", "segment_changes"],
                name="compare_segments",
            ),
            Node(
                compare_features,
                inputs=[
                    "customer_features",
                    "segmentation_model",
                    "previous_segmentation_model",
                    "params:monitoring.drift",
                ],
                outputs="feature_drift",
                name="compare_features",
            ),
            Node(
                recommend,
                inputs=[
                    "segment_migration",
                    "segment_changes",
                    "feature_drift",
                    "params:monitoring",
                ],
                outputs="monitoring_summary",
                name="recommend_refit",
            ),
        ],
        tags="monitoring",
    )
