"""The clustering pipeline end to end on in-memory datasets, and its catalog entries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro.io import DataCatalog, MemoryDataset
from sklearn.metrics import adjusted_rand_score

from customer_segmentation.pipelines.clustering import create_pipeline
from customer_segmentation.pipelines.model_selection import (
    create_pipeline as create_model_selection,
)
from tests.pipelines.pipeline_helpers import catalog_config, run_pipeline

from .conftest import (
    BEST_PARAMS,
    customer_features_for,
    planted_frame,
    small_params,
    transforms_for,
)

OUTPUTS = {
    "segmentation_model",
    "customer_segments",
    "segment_centroids",
    "segment_stability",
    "stability_summary",
    "segment_actions",
}
#: Small, fast settings: the conf/base parameters with these changes, typed as in a run.
SMALL = {
    "clustering": small_params(),
    "model_selection": {"kmeans": {"n_init": 2}, "study": {"storage": None, "n_trials": 10}},
}


class KeptMemoryDataset(MemoryDataset):
    """A MemoryDataset the runner cannot release, so tests can read intermediate outputs."""

    def _release(self) -> None:
        pass


def memory_catalog(frame: pd.DataFrame, best_params: dict[str, Any] | None) -> DataCatalog:
    datasets = {
        "model_input": MemoryDataset(frame),
        "customer_features": MemoryDataset(customer_features_for(frame)),
        "feature_transforms": MemoryDataset(transforms_for(frame)),
        "previous_segment_centroids": MemoryDataset(None),
        **{name: KeptMemoryDataset() for name in OUTPUTS},
    }
    if best_params is None:  # chosen by model_selection in the same run
        datasets["best_params"] = KeptMemoryDataset()
    else:
        datasets["best_params"] = MemoryDataset(best_params)
    return DataCatalog(datasets)


def test_pipeline_wiring():
    pipeline = create_pipeline()
    assert pipeline.inputs() == {
        "model_input",
        "customer_features",
        "previous_segment_centroids",
        "best_params",
        "feature_transforms",
        "params:clustering",
    }
    assert pipeline.all_outputs() >= OUTPUTS
    # parameters are checked by their model before the run: no validation node, no settings
    assert not any(node.name.startswith("validate") for node in pipeline.nodes)
    assert "clustering_settings" not in pipeline.all_outputs()
    fit = next(node for node in pipeline.nodes if node.name == "fit_segmentation_model")
    assert "params:clustering" in fit.inputs


def test_pipeline_runs_on_memory_datasets():
    frame, planted = planted_frame()
    catalog = memory_catalog(frame, BEST_PARAMS)
    run_pipeline(create_pipeline(), catalog, SMALL)
    segments = catalog.load("customer_segments")
    assert segments["customer_id"].tolist() == sorted(frame["customer_id"])
    planted_by_id = pd.Series(planted, index=frame["customer_id"]).loc[segments["customer_id"]]
    assert adjusted_rand_score(planted_by_id, segments["cluster"]) >= 0.9
    # the saved model scores the customer table to the run's own segments
    model = catalog.load("segmentation_model")
    scored = model.predict(customer_features_for(frame)).sort_values("customer_id")
    pd.testing.assert_frame_equal(
        scored.drop(columns="outside_training_range").reset_index(drop=True), segments
    )
    assert not scored["outside_training_range"].any()
    actions = catalog.load("segment_actions")
    stability = catalog.load("segment_stability")
    centroids = catalog.load("segment_centroids")
    summary = catalog.load("stability_summary")
    names = set(segments["segment"])
    assert (
        set(actions["segment"]) == set(stability["segment"]) == set(centroids["segment"]) == names
    )
    assert names == {"Champions", "Lapsed / At Risk", "Occasional Buyers", "New Customers"}
    assert set(summary) >= {"mean_ari", "std_ari", "n_bootstrap", "unstable_segments"}


def test_model_selection_then_clustering_is_deterministic():
    frame, _ = planted_frame()
    pipeline = create_model_selection() + create_pipeline()
    runs = []
    for _ in range(2):
        catalog = memory_catalog(frame, None)
        run_pipeline(pipeline, catalog, SMALL)
        runs.append((catalog.load("best_params"), catalog.load("customer_segments")))
    assert runs[0][0] == runs[1][0]
    pd.testing.assert_frame_equal(runs[0][1], runs[1][1])


def test_catalog_entries_are_versioned_and_round_trip(tmp_path: Path):
    config = catalog_config(OUTPUTS)
    assert set(config) == OUTPUTS
    assert config["segmentation_model"]["versioned"] is True
    assert config["customer_segments"]["versioned"] is True
    for entry in config.values():
        entry["filepath"] = str(tmp_path / entry["filepath"])
    frame, _ = planted_frame()
    catalog = DataCatalog.from_config(config)
    catalog["model_input"] = frame
    catalog["customer_features"] = customer_features_for(frame)
    catalog["feature_transforms"] = transforms_for(frame)
    catalog["previous_segment_centroids"] = None
    catalog["best_params"] = BEST_PARAMS
    run_pipeline(create_pipeline(), catalog, SMALL)
    model_versions = list((tmp_path / "data/06_models/segmentation_model.pkl").iterdir())
    assert len(model_versions) == 1
    segments = catalog.load("customer_segments")
    model = catalog.load("segmentation_model")
    scored = model.predict(customer_features_for(frame)).sort_values("customer_id")
    np.testing.assert_array_equal(scored["cluster"], segments["cluster"].to_numpy())
    assert catalog.load("stability_summary")["n_bootstrap"] == 8
