"""The model_selection pipeline end to end on in-memory datasets, and its catalog entries."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.model_selection import create_pipeline
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from tests.conftest import latest
from tests.pipelines.pipeline_helpers import catalog_config, run_pipeline

from .conftest import FEATURES, blobs_frame, small_settings

OUTPUTS = {"k_grid_scores", "optuna_trials", "selection_candidates", "best_params"}
# feature_transforms of the transaction path: no imputation key, every feature numeric.
NUMERIC_TRANSFORMS = {"model_features": list(FEATURES), "log1p_features": [], "caps": {}}


class KeptMemoryDataset(MemoryDataset):
    """A MemoryDataset the runner cannot release, so tests can read intermediate outputs."""

    def _release(self) -> None:
        pass


def memory_catalog(model_input: pd.DataFrame, params: ModelSelectionParams) -> DataCatalog:
    return DataCatalog(
        {
            "model_input": MemoryDataset(model_input),
            "feature_transforms": MemoryDataset(NUMERIC_TRANSFORMS),
            "params:model_selection": MemoryDataset(params),
            **{name: KeptMemoryDataset() for name in OUTPUTS},
        }
    )


def run(catalog: DataCatalog) -> DataCatalog:
    SequentialRunner().run(create_pipeline(), catalog)
    return catalog


def test_pipeline_wiring():
    pipeline = create_pipeline()
    assert pipeline.inputs() == {"model_input", "feature_transforms", "params:model_selection"}
    assert pipeline.all_outputs() >= OUTPUTS
    # the trials and the K grid feed the candidates, which feed best_params
    assert pipeline.outputs() == {"best_params"}
    # no parameter-checking node: every node reads the validated model itself
    assert {node.name for node in pipeline.nodes} == {
        "draw_search_sample",
        "score_k_grid",
        "run_optuna_study",
        "assess_candidates",
        "select_best_params",
    }
    for node in pipeline.nodes:
        assert "params:model_selection" in node.inputs
        assert not any(name.endswith("_settings") for name in node.inputs)


def test_pipeline_runs_on_memory_datasets_with_sampling():
    frame, _ = blobs_frame(n=800)
    params = small_settings(
        sampling__search_sample_size=500,
        sampling__silhouette_sample_size=200,
        sampling__min_rows_per_cluster=20,
        study__n_trials=10,
    )
    catalog = run(memory_catalog(frame, params))
    grid = catalog.load("k_grid_scores")
    trials = catalog.load("optuna_trials")
    best = catalog.load("best_params")
    assert grid.loc[grid["is_knee"], "k"].tolist() == [4]
    assert len(trials) == 10 and set(trials["state"]) == {"COMPLETE"}
    assert best["k"] == 4
    assert best["search_sample_size"] == 500 and best["silhouette_sample_size"] == 200
    assert best["n_customers"] == 800
    assert set(best) >= {
        "scaler",
        "k",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "min_cluster_share",
        "trial_number",
        "reason",
    }


def test_same_data_and_parameters_give_identical_best_params():
    frame, _ = blobs_frame()
    first = run(memory_catalog(frame, small_settings())).load("best_params")
    second = run(memory_catalog(frame, small_settings())).load("best_params")
    assert first == second


def test_bad_parameters_stop_before_the_data_is_read():
    frame, _ = blobs_frame()
    frame["tenure"] = 1.0  # would fail data validation if the data were read first
    catalog = DataCatalog(
        {
            "model_input": MemoryDataset(frame),
            "feature_transforms": MemoryDataset(NUMERIC_TRANSFORMS),
            **{name: KeptMemoryDataset() for name in OUTPUTS},
        }
    )
    overrides = {"model_selection": {"k_range": {"min": 7, "max": 3}}}
    with pytest.raises(InputValidationError, match=r"parameter 'model_selection\.k_range'"):
        run_pipeline(create_pipeline(), catalog, overrides)
    assert not catalog["best_params"].exists()


def test_base_parameters_run_through_the_project_helper():
    """The pipeline as a run feeds it: every group of conf/base, typed, field by field."""
    frame, _ = blobs_frame(n=300)
    catalog = DataCatalog(
        {
            "model_input": MemoryDataset(frame),
            "feature_transforms": MemoryDataset(NUMERIC_TRANSFORMS),
            **{name: KeptMemoryDataset() for name in OUTPUTS},
        }
    )
    overrides = {
        "model_selection": {
            "k_range": {"min": 2, "max": 5},
            "study": {"storage": None, "n_trials": 4, "n_startup_trials": 2},
        }
    }
    best = run_pipeline(create_pipeline(), catalog, overrides).load("best_params")
    assert 2 <= best["k"] <= 5 and 1 <= best["n_candidates"] <= 4


def test_catalog_entries_save_and_load(tmp_path: Path):
    config = catalog_config(OUTPUTS)
    assert set(config) == OUTPUTS
    assert config["best_params"]["type"] == "json.JSONDataset"
    for entry in config.values():
        entry["filepath"] = str(tmp_path / entry["filepath"])
    frame, _ = blobs_frame()
    catalog = DataCatalog.from_config(config)
    catalog["model_input"] = frame
    catalog["feature_transforms"] = NUMERIC_TRANSFORMS
    catalog["params:model_selection"] = small_settings(study__n_trials=3)
    run(catalog)
    assert latest(tmp_path / "data/08_reporting/k_grid_scores.csv").is_file()
    trials = pd.read_csv(latest(tmp_path / "data/08_reporting/optuna_trials.csv"))
    assert list(trials.columns[:3]) == ["number", "scaler", "k"] and len(trials) == 3
    best = catalog.load("best_params")
    winner = trials.set_index("number").loc[best["trial_number"]]
    assert (winner["scaler"], winner["k"]) == (best["scaler"], best["k"])
    candidates = pd.read_csv(latest(tmp_path / "data/08_reporting/selection_candidates.csv"))
    assert candidates["verdict"].tolist().count("chosen") == 1
