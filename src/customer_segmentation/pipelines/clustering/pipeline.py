"""Wiring of ``clustering``: final fit -> centroids -> names -> segments, stability, actions."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from .naming import name_segments
from .nodes import (
    assess_stability,
    assign_customers,
    build_segment_actions,
    compute_centroids,
    fit_segmentation_model,
    label_centroids,
    package_segmentation_model,
)


def create_pipeline(**kwargs: Any) -> Pipeline:
    """The clustering nodes; ``params:clustering`` arrives checked (``ClusteringParams``)."""
    return Pipeline(
        [
            Node(
                fit_segmentation_model,
                inputs=["model_input", "best_params", "params:clustering", "feature_transforms"],
                outputs="clustering_model",
                name="fit_segmentation_model",
            ),
            Node(
                compute_centroids,
                inputs=["clustering_model", "model_input", "feature_transforms"],
                outputs="cluster_centroids",
                name="compute_centroids",
            ),
            Node(
                name_segments,
                # the last finished run's segments: names carry over a re-fit
                inputs=["cluster_centroids", "params:clustering", "previous_segment_centroids"],
                outputs="segment_names",
                name="name_segments",
            ),
            Node(
                package_segmentation_model,
                inputs=[
                    "clustering_model",
                    "feature_transforms",
                    "segment_names",
                    "customer_features",
                    "params:clustering",
                ],
                outputs="segmentation_model",
                name="package_segmentation_model",
            ),
            Node(
                assign_customers,
                inputs=["model_input", "segmentation_model"],
                outputs="customer_segments",
                name="assign_customers",
            ),
            Node(
                label_centroids,
                inputs=["cluster_centroids", "segment_names"],
                outputs="segment_centroids",
                name="label_centroids",
            ),
            Node(
                assess_stability,
                inputs=[
                    "model_input",
                    "clustering_model",
                    "segment_names",
                    "params:clustering",
                ],
                outputs=["segment_stability", "stability_summary"],
                name="assess_stability",
            ),
            Node(
                build_segment_actions,
                inputs=["customer_segments", "segment_names"],
                outputs="segment_actions",
                name="build_segment_actions",
            ),
        ],
        tags="clustering",
    )
