"""Wiring of ``customer_value``: clean lines -> RFM summaries -> BG/NBD, Gamma-Gamma -> CLV."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    fit_value_models,
    order_periods,
    score_customers,
    split_calibration_holdout,
    summarise_customers,
    summarise_segments,
    validate_holdout,
)

PARAMS = "params:customer_value"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                order_periods,
                inputs=["clean_transactions", PARAMS],
                outputs="customer_order_periods",
                name="customer_value_order_periods",
            ),
            Node(
                summarise_customers,
                inputs=["customer_order_periods", PARAMS],
                outputs="customer_rfm",
                name="customer_value_summary",
            ),
            Node(
                split_calibration_holdout,
                inputs=["customer_order_periods", PARAMS],
                outputs="customer_rfm_calibration",
                name="customer_value_calibration_holdout",
            ),
            Node(
                fit_value_models,
                inputs=["customer_rfm", "customer_rfm_calibration", PARAMS],
                outputs="customer_value_model",
                name="fit_customer_value_models",
            ),
            Node(
                score_customers,
                inputs=["customer_rfm", "customer_value_model", "customer_segments", PARAMS],
                outputs="customer_value",
                name="score_customer_value",
            ),
            Node(
                summarise_segments,
                inputs="customer_value",
                outputs="customer_value_segments",
                name="summarise_customer_value_segments",
            ),
            Node(
                validate_holdout,
                inputs=[
                    "customer_rfm_calibration",
                    "customer_value_model",
                    "customer_segments",
                    PARAMS,
                ],
                outputs="customer_value_validation",
                name="validate_customer_value_holdout",
            ),
        ],
        tags="customer_value",
    )
