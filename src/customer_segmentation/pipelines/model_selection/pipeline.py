"""Wiring of ``model_selection``: parameters -> sample -> K grid and Optuna study -> best."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from .nodes import (
    draw_search_sample,
    run_study,
    score_k_grid,
    select_best_params,
    validate_parameters,
)


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Validate parameters first, so nothing runs on a bad configuration."""
    return Pipeline(
        [
            Node(
                validate_parameters,
                inputs="params:model_selection",
                outputs="model_selection_settings",
                name="validate_model_selection_parameters",
            ),
            Node(
                draw_search_sample,
                # feature_transforms tells numeric from categorical features (customer table)
                inputs=["model_input", "model_selection_settings", "feature_transforms"],
                outputs="model_selection_sample",
                name="draw_search_sample",
            ),
            Node(
                score_k_grid,
                inputs=["model_selection_sample", "model_selection_settings"],
                outputs="k_grid_scores",
                name="score_k_grid",
            ),
            Node(
                run_study,
                inputs=["model_selection_sample", "model_selection_settings"],
                outputs="optuna_trials",
                name="run_optuna_study",
            ),
            Node(
                select_best_params,
                inputs=["optuna_trials", "model_selection_sample", "model_selection_settings"],
                outputs="best_params",
                name="select_best_params",
            ),
        ],
        tags="model_selection",
    )
