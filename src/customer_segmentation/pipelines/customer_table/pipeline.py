"""Wiring of ``customer_table``: kept and rejected rows -> model input, quality.

Registered on its own as the first stage of the ``customer_table`` pipeline (see
``pipeline_registry.py``), which adds ``model_selection``, ``clustering`` and ``reporting``.
It writes the same datasets as ``feature_engineering`` (``customer_features``,
``model_input``, ``feature_transforms``) and ``data_processing`` (``data_quality_summary``), so
it is never combined with them.
"""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from .nodes import build_customer_model_input, prepare_customers, summarise_data_quality


def create_pipeline(**kwargs: Any) -> Pipeline:
    """The customer-table nodes; ``params:customer_table`` arrives checked."""
    return Pipeline(
        [
            Node(
                prepare_customers,
                inputs=["raw_customers", "params:customer_table"],
                outputs=["customer_features", "rejected_customers"],
                name="prepare_customers",
            ),
            Node(
                build_customer_model_input,
                inputs=["customer_features", "params:customer_table"],
                outputs=["model_input", "feature_transforms"],
                name="build_customer_model_input",
            ),
            Node(
                summarise_data_quality,
                inputs=["raw_customers", "customer_features", "rejected_customers"],
                outputs="data_quality_summary",
                name="summarise_customer_data_quality",
            ),
        ],
        tags="customer_table",
    )
