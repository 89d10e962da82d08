"""The in-memory entries of the catalog behave as Kedro's undeclared datasets, on every runner."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.io import DataCatalog, SharedMemoryDataCatalog
from kedro.pipeline import Pipeline, node
from kedro.runner import ParallelRunner, SequentialRunner, ThreadRunner

from customer_segmentation.memory_dataset import LayeredMemoryDataset

CONFIG = {
    "{figure}_png": {
        "type": "customer_segmentation.memory_dataset.LayeredMemoryDataset",
        "metadata": {"kedro-viz": {"layer": "reporting"}},
    }
}


def table() -> pd.DataFrame:
    return pd.DataFrame({"x": [1, 2, 3]})


def total(frame: pd.DataFrame) -> int:
    return int(frame["x"].sum())


PIPELINE = Pipeline(
    [node(table, None, "elbow_png", name="draw"), node(total, "elbow_png", "total", name="read")]
)


@pytest.mark.parametrize(
    ("runner", "catalog_type"),
    [
        (SequentialRunner(), DataCatalog),
        (ThreadRunner(), DataCatalog),
        # Kedro's MemoryDataset, declared, would lose the data between worker processes
        (ParallelRunner(max_workers=2), SharedMemoryDataCatalog),
    ],
    ids=["sequential", "thread", "parallel"],
)
def test_a_declared_in_memory_dataset_passes_data_on_every_runner(runner, catalog_type):
    catalog = catalog_type.from_config(CONFIG)
    dataset = catalog.get("elbow_png")
    assert isinstance(dataset, LayeredMemoryDataset)
    assert dataset.metadata == {"kedro-viz": {"layer": "reporting"}}
    result = runner.run(PIPELINE, catalog)
    assert result["total"].load() == 6


def test_it_copies_and_frees_as_kedro_s_memory_dataset_does():
    dataset = LayeredMemoryDataset()
    assert not dataset.exists()
    frame = table()
    dataset.save(frame)
    frame.loc[0, "x"] = 100  # a node changing its output later does not change what was saved
    assert dataset.load()["x"].tolist() == [1, 2, 3]
    assert dataset.exists()
    dataset.release()  # what the runner does once no node needs it
    assert not dataset.exists()
    with pytest.raises(Exception, match="has not been saved yet"):
        dataset.load()
