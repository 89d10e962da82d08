"""Wiring of ``churn_propensity``: clean lines -> time split -> classifier -> scores per segment."""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    build_scoring_set,
    build_training_set,
    churn_dates,
    cross_validate_churn,
    fit_churn_model,
    rank_churn_targets,
    score_churn,
    summarise_churn_segments,
)

PARAMS = "params:churn_propensity"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                churn_dates,
                inputs=["clean_transactions", PARAMS],
                outputs="churn_dates",
                name="resolve_churn_dates",
            ),
            Node(
                build_training_set,
                inputs=["clean_transactions", "churn_dates", PARAMS],
                outputs="churn_training",
                name="build_churn_training_set",
            ),
            Node(
                build_scoring_set,
                inputs=[
                    "customer_metrics@pandas",
                    "clean_transactions",
                    "churn_dates",
                    "params:feature_engineering.snapshot_date",
                    PARAMS,
                ],
                outputs="churn_scoring",
                name="build_churn_scoring_set",
            ),
            Node(
                cross_validate_churn,
                inputs=["churn_training", "churn_dates", PARAMS],
                outputs=["churn_metrics", "churn_calibration"],
                name="cross_validate_churn",
            ),
            Node(
                fit_churn_model,
                inputs=["churn_training", PARAMS],
                outputs="churn_model",
                name="fit_churn_model",
            ),
            Node(
                score_churn,
                inputs=["churn_model", "churn_scoring", "customer_segments", PARAMS],
                outputs="churn_propensity",
                name="score_churn",
            ),
            Node(
                summarise_churn_segments,
                inputs="churn_propensity",
                outputs="churn_segments",
                name="summarise_churn_segments",
            ),
            Node(
                rank_churn_targets,
                inputs=["churn_propensity", PARAMS],
                outputs="churn_targets",
                name="rank_churn_targets",
            ),
        ],
        tags="churn_propensity",
    )
