"""Wiring of the ``feature_engineering`` pipeline.

Parameters are typed per part (``params:feature_engineering.rfm`` / ``.model``; the
snapshot date is a plain value that data_processing reads too), so
``params:feature_engineering`` is never a node input as a whole.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import aggregate_customers, build_model_input, resolve_snapshot_date, score_rfm


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                resolve_snapshot_date,
                inputs=["clean_transactions", "params:feature_engineering.snapshot_date"],
                outputs="snapshot_date",
                name="resolve_snapshot_date",
            ),
            Node(
                aggregate_customers,
                inputs=["clean_transactions", "snapshot_date"],
                outputs="customer_metrics@ibis",
                name="aggregate_customers",
            ),
            Node(
                score_rfm,
                inputs=["customer_metrics@pandas", "params:feature_engineering.rfm"],
                outputs="customer_features",
                name="score_rfm",
            ),
            Node(
                build_model_input,
                inputs=["customer_features", "params:feature_engineering.model"],
                outputs=["model_input", "feature_transforms"],
                name="build_model_input",
            ),
        ]
    )
