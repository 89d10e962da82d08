"""Wiring of ``model_selection``: sample -> K grid and study -> candidates -> scaler and K."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from .nodes import assess_candidates, score_k_grid, select_best_params
from .search_sample import draw_search_sample
from .study import run_study


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Every node reads ``params:model_selection`` as a validated ``ModelSelectionParams``.

    The parameters are checked before any node runs (Kedro validates the typed inputs, and
    ``ParameterCheckHook`` every group), so nothing runs on a bad configuration.
    """
    return Pipeline(
        [
            Node(
                draw_search_sample,
                # feature_transforms tells numeric from categorical features (customer table)
                inputs=["model_input", "params:model_selection", "feature_transforms"],
                outputs="model_selection_sample",
                name="draw_search_sample",
            ),
            Node(
                score_k_grid,
                inputs=["model_selection_sample", "params:model_selection"],
                outputs="k_grid_scores",
                name="score_k_grid",
            ),
            Node(
                run_study,
                inputs=["model_selection_sample", "params:model_selection"],
                outputs="optuna_trials",
                name="run_optuna_study",
            ),
            Node(
                assess_candidates,
                inputs=[
                    "optuna_trials",
                    "k_grid_scores",
                    "model_selection_sample",
                    "params:model_selection",
                ],
                outputs="selection_candidates",
                name="assess_candidates",
            ),
            Node(
                select_best_params,
                inputs=["selection_candidates", "model_selection_sample", "params:model_selection"],
                outputs="best_params",
                name="select_best_params",
            ),
        ],
        tags="model_selection",
    )
