"""Wiring of ``experiments``: an experiment's features and summary, and the comparison.

The search and the fit of each experiment are ``model_selection`` and ``clustering``
themselves, namespaced per experiment by ``customer_segmentation.experiment_pipelines``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kedro.pipeline import Node, Pipeline

from .nodes import compare_experiments, select_experiment_features, summarise_experiment

#: The experiment's own model input and transforms (its features), inside its namespace.
MODEL_INPUT = "experiment_model_input"
FEATURE_TRANSFORMS = "experiment_feature_transforms"
#: What each experiment hands to the comparison, inside its namespace.
RESULTS = ("best_params", "experiment_metrics", "experiment_labels")
#: The chosen experiment's outputs that keep their plain names (``best_params``, not
#: ``baseline.best_params``): the rest of the run (names, report, saved model) reads them.
CHOSEN_OUTPUTS = (
    "k_grid_scores",
    "optuna_trials",
    "selection_candidates",
    "best_params",
    "clustering_model",
)


def dataset_name(experiment: str, name: str, chosen: str) -> str:
    """The run's name of an experiment's dataset ``name``."""
    return name if experiment == chosen and name in CHOSEN_OUTPUTS else f"{experiment}.{name}"


def create_pipeline(**kwargs: Any) -> Pipeline:
    """The comparison of the default configuration (one experiment, ``baseline``)."""
    return create_comparison_pipeline(["baseline"], "baseline")


def create_features_pipeline() -> Pipeline:
    """One experiment's model input: ``params:experiment`` names its features."""
    return Pipeline(
        [
            Node(
                select_experiment_features,
                inputs=["model_input", "feature_transforms", "params:experiment"],
                outputs=[MODEL_INPUT, FEATURE_TRANSFORMS],
                name="select_experiment_features",
            )
        ],
        tags="experiments",
    )


def create_summary_pipeline() -> Pipeline:
    """One experiment's scores and every customer's cluster under it."""
    return Pipeline(
        [
            Node(
                summarise_experiment,
                inputs=["best_params", "optuna_trials", "clustering_model", MODEL_INPUT],
                outputs=["experiment_metrics", "experiment_labels"],
                name="summarise_experiment",
            )
        ],
        tags="experiments",
    )


def create_comparison_pipeline(names: Sequence[str], chosen: str) -> Pipeline:
    """The experiments side by side: ``<name>.best_params`` etc. of each experiment."""
    inputs = ["params:experiments"]
    for name in names:
        inputs += [dataset_name(name, result, chosen) for result in RESULTS]
    return Pipeline(
        [
            Node(
                compare_experiments,
                inputs=inputs,
                outputs=["experiment_comparison", "experiment_agreement"],
                name="compare_experiments",
            )
        ],
        tags="experiments",
    )
