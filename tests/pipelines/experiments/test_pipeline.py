"""Experiments as namespaced pipelines: the wiring, and the algorithm that fits the planted
shape wins on planted customers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from kedro.framework.project import configure_project
from kedro.io import DataCatalog, MemoryDataset
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.experiment_pipelines import (
    DEFAULT,
    experiment_pipeline,
    experiments_pipeline,
    segmentation_pipeline,
)
from customer_segmentation.pipeline_registry import register_pipelines
from customer_segmentation.pipelines.experiments.params import ExperimentsParams, ExperimentSpec
from tests.pipelines.pipeline_helpers import run_pipeline

FEATURES = ["recency", "frequency", "monetary"]
CHOSEN_OUTPUTS = {"best_params", "clustering_model", "k_grid_scores", "optuna_trials"}


def configured(**run: ExperimentSpec) -> ExperimentsParams:
    return ExperimentsParams(chosen=next(iter(run)), run=run)


def test_the_default_is_one_experiment_writing_the_plain_names():
    configure_project("customer_segmentation")
    pipeline = register_pipelines()["__default__"]
    namespaces = {node.namespace for node in pipeline.nodes if node.namespace}
    assert namespaces == {"baseline"}
    assert pipeline.all_outputs() >= CHOSEN_OUTPUTS | {"segmentation_model", "segment_report"}
    assert "baseline.best_params" not in pipeline.all_outputs()
    # the steps after the search read the chosen experiment's own features
    centroids = next(node for node in pipeline.nodes if node.name == "compute_centroids")
    assert "baseline.experiment_model_input" in centroids.inputs
    assert register_pipelines()["experiments"].outputs() >= {"experiment_comparison"}


def test_each_experiment_is_a_namespace_and_only_the_chosen_writes_plain_names():
    three = configured(
        baseline=ExperimentSpec(),
        gaussian_mixture=ExperimentSpec(
            model_selection={"algorithm": {"name": "gaussian_mixture"}}
        ),
        value_only=ExperimentSpec(features=tuple(FEATURES)),
    )
    pipeline = segmentation_pipeline(three)
    assert {node.namespace for node in pipeline.nodes if node.namespace} == set(three.run)
    outputs = pipeline.all_outputs()
    assert outputs >= CHOSEN_OUTPUTS
    for name in ("gaussian_mixture", "value_only"):
        assert {f"{name}.{output}" for output in CHOSEN_OUTPUTS} <= outputs
        assert f"params:experiments.run.{name}" in pipeline.inputs()
    compare = next(node for node in pipeline.nodes if node.name == "compare_experiments")
    assert compare.inputs[:4] == [
        "params:experiments",
        "best_params",
        "baseline.experiment_metrics",
        "baseline.experiment_labels",
    ]
    # an experiment runs alone: `kedro run --namespaces value_only`
    alone = pipeline.only_nodes_with_namespaces(["value_only"])
    assert alone.inputs() >= {"model_input", "feature_transforms"}
    assert len(experiments_pipeline(DEFAULT).nodes) == len(experiment_pipeline("b", "b").nodes) + 1


def planted_customers(n: int = 1500, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Three groups: one wide and diffuse, two tight (K-means cuts the wide one up)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 1.0], [0.0, 6.0, -1.0]])
    spreads = np.array([2.6, 0.5, 0.5])
    groups = rng.integers(0, 3, size=n)
    values = centres[groups] + rng.normal(size=(n, 3)) * spreads[groups, None]
    frame = pd.DataFrame(values, columns=FEATURES)
    frame.insert(0, "customer_id", [f"C{i:05d}" for i in range(n)])
    return frame, groups


SMALL_SEARCH = {
    "model_selection": {
        "forced_k": 3,
        "scalers": ["standard"],
        "default_scaler": "standard",
        "kmeans": {"n_init": 3},
        "study": {"storage": None, "n_trials": 3},
        "selection": {"stability_resamples": 2},
    }
}


def run_experiments(frame: pd.DataFrame, three: ExperimentsParams) -> DataCatalog:
    transforms = {
        "model_features": FEATURES,
        "log1p_features": [],
        "caps": {f: {"lower": -1e9, "upper": 1e9} for f in FEATURES},
    }
    catalog = DataCatalog(
        {
            "model_input": MemoryDataset(frame),
            "feature_transforms": MemoryDataset(transforms),
            **{name: KeptMemoryDataset() for name in _outputs(three)},
        }
    )
    overrides: dict[str, Any] = {**SMALL_SEARCH, "experiments": three.model_dump()}
    return run_pipeline(experiments_pipeline(three), catalog, overrides)


class KeptMemoryDataset(MemoryDataset):
    def _release(self) -> None:
        pass


def _outputs(three: ExperimentsParams) -> set[str]:
    return set(experiments_pipeline(three).all_outputs())


def test_the_algorithm_that_fits_the_planted_shape_wins():
    three = configured(
        baseline=ExperimentSpec(),
        gaussian_mixture=ExperimentSpec(
            model_selection={"algorithm": {"name": "gaussian_mixture"}}
        ),
    )
    aris: dict[str, list[float]] = {name: [] for name in three.run}
    for seed in range(2):
        frame, truth = planted_customers(seed=seed)
        catalog = run_experiments(frame, three)
        for name in three.run:
            labels = catalog.load(f"{name}.experiment_labels")
            aris[name].append(adjusted_rand_score(truth, labels["cluster"]))
        comparison = catalog.load("experiment_comparison")
        assert comparison["experiment"].tolist() == ["baseline", "gaussian_mixture"]
        assert comparison["k"].tolist() == [3, 3]
    assert np.mean(aris["gaussian_mixture"]) > np.mean(aris["baseline"]) + 0.1, aris
    assert min(aris["gaussian_mixture"]) > 0.8, aris
