"""Wiring of ``model_selection``: sample -> K grid and study -> candidates -> scaler and K."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline

from .nodes import apply_experiment, assess_candidates, score_k_grid, select_best_params
from .search_sample import draw_search_sample
from .study import run_study

SETTINGS = "params:model_selection"
#: The settings of one experiment's search (:func:`create_experiment_pipeline`).
EXPERIMENT_SETTINGS = "model_selection_settings"


def create_pipeline(settings: str = SETTINGS, **kwargs: Any) -> Pipeline:
    """Every node reads the search settings as a validated ``ModelSelectionParams``.

    ``settings`` is ``params:model_selection`` (checked before any node runs: Kedro
    validates the typed inputs, and ``ParameterCheckHook`` every group, so nothing runs on a
    bad configuration), or the dataset an experiment's settings node writes.
    """
    return Pipeline(
        [
            Node(
                draw_search_sample,
                # feature_transforms tells numeric from categorical features (customer table)
                inputs=["model_input", settings, "feature_transforms"],
                outputs="model_selection_sample",
                name="draw_search_sample",
            ),
            Node(
                score_k_grid,
                inputs=["model_selection_sample", settings],
                outputs="k_grid_scores",
                name="score_k_grid",
            ),
            Node(
                run_study,
                inputs=["model_selection_sample", settings],
                outputs="optuna_trials",
                name="run_optuna_study",
            ),
            Node(
                assess_candidates,
                inputs=["optuna_trials", "k_grid_scores", "model_selection_sample", settings],
                outputs="selection_candidates",
                name="assess_candidates",
            ),
            Node(
                select_best_params,
                inputs=["selection_candidates", "model_selection_sample", settings],
                outputs="best_params",
                name="select_best_params",
            ),
        ],
        tags="model_selection",
    )


def create_experiment_pipeline() -> Pipeline:
    """The search with one experiment's changes: ``params:experiment`` is that experiment.

    Namespaced once per experiment, with ``params:experiment`` mapped to its entry of
    ``experiments.run`` (see ``customer_segmentation.experiment_pipelines``).
    """
    settings = Pipeline(
        [
            Node(
                apply_experiment,
                inputs=[SETTINGS, "params:experiment"],
                outputs=EXPERIMENT_SETTINGS,
                name="apply_experiment",
            )
        ],
        tags="model_selection",
    )
    return settings + create_pipeline(settings=EXPERIMENT_SETTINGS)
