"""Every environment's catalog: outputs under the data root, inputs read from raw exports;
the tracking environment logs base's outputs without changing them."""

from __future__ import annotations

import pytest
import yaml
from kedro.framework.project import configure_project

from customer_segmentation.pipeline_registry import register_pipelines
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import ENVIRONMENTS, catalog_config, config_loader

LAYERS = (
    "02_intermediate",
    "03_primary",
    "04_feature",
    "05_model_input",
    "06_models",
    "07_model_output",
    "08_reporting",
)
RAW_FOLDER = "data/01_raw/"
TRACKING_ENV = "tracking"
#: Entries of the tracking environment for outputs that base keeps in memory (undeclared).
TRACKING_IN_MEMORY = {"{experiment}.experiment_metrics": "each experiment's metrics"}


def stored(entry: dict) -> dict:
    """The entry that holds the data: the wrapped ``dataset`` of a wrapper (tracking)."""
    inner = entry.get("dataset")
    return inner if isinstance(inner, dict) else entry


def raw_entries(env: str) -> dict[str, dict]:
    """The entries of ``env``'s own catalog files, as written (globals not resolved)."""
    entries: dict[str, dict] = {}
    for path in sorted((PROJECT_ROOT / "conf" / env).glob("catalog*.yml")):
        for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
            if not name.startswith("_"):
                entries[name] = entry
    return entries


def written_datasets() -> set[str]:
    """Every dataset some registered pipeline writes, without its transcoding (``@ibis``)."""
    configure_project("customer_segmentation")
    outputs = set().union(*(pipeline.all_outputs() for pipeline in register_pipelines().values()))
    return {name.split("@")[0] for name in outputs}


def declared_filepaths(env: str) -> dict[str, str]:
    """The filepath of each entry as written in base's and ``env``'s catalog files."""
    filepaths: dict[str, str] = {}
    for folder in dict.fromkeys(("base", env)):
        for name, entry in raw_entries(folder).items():
            filepaths[name] = stored(entry).get("filepath")
    return filepaths


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_entry_writes_under_the_data_root_or_reads_a_raw_export(env: str):
    data_root = config_loader(env)["globals"]["data_root"]
    written = written_datasets()
    as_written = declared_filepaths(env)
    entries = catalog_config(env=env)  # a dataset factory ("{figure}_plot") included
    assert entries
    for name, entry in entries.items():
        if stored(entry).get("type") == "MemoryDataset":
            continue  # nothing on disk (a tracked in-memory output)
        filepath = stored(entry).get("filepath")
        assert isinstance(filepath, str), f"{env}: '{name}' has no filepath"
        # an earlier version of an output (previous_*) reads where that output is written
        earlier = str(entry.get("type", "")).startswith("customer_segmentation.datasets.Previous")
        # a wrapper logs an output to MLflow (checked against base's entry below)
        wrapper = stored(entry) is not entry
        if name.split("@")[0] in written or "{" in name or earlier or wrapper:
            assert any(filepath.startswith(f"{data_root}/{layer}/") for layer in LAYERS), (
                f"{env}: '{name}' writes {filepath}, outside {data_root}/02_... 08_..."
            )
            # through the global, so that an environment moves every output with one line
            assert as_written[name].startswith("${globals:data_root}/"), (env, name)
        else:
            assert filepath.startswith(RAW_FOLDER), f"{env}: '{name}' reads {filepath}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_an_environment_moves_the_raw_export_with_one_global(env: str):
    settings = config_loader(env)["globals"]
    entries = catalog_config({"raw_transactions", "raw_customers"}, env=env)
    raw_paths = {key: value for key, value in settings.items() if key.startswith("raw_")}
    assert set(raw_paths) == {"raw_transactions_path", "raw_customers_path"}
    assert entries["raw_customers"]["filepath"] == raw_paths["raw_customers_path"]
    assert (PROJECT_ROOT / entries["raw_customers"]["filepath"]).is_file()
    if env != "online_retail_ii":  # an Excel workbook the user downloads: its own entry
        assert entries["raw_transactions"]["filepath"] == raw_paths["raw_transactions_path"]


def test_the_tracking_environment_wraps_base_entries_unchanged():
    """Each tracking entry is base's (``versioned`` moved to the wrapper), so a tracked run
    writes the same files as any other; only the logging to MLflow is added."""
    base = raw_entries("base")
    tracking = raw_entries(TRACKING_ENV)
    assert tracking
    for name, entry in tracking.items():
        assert entry["type"].startswith("customer_segmentation.datasets.Mlflow"), name
        wrapped = dict(entry["dataset"])
        assert "versioned" not in wrapped, f"{name}: versioned goes on the wrapper"
        if entry.get("versioned"):
            wrapped["versioned"] = True
        if name not in base:
            assert name in TRACKING_IN_MEMORY, f"'{name}' wraps nothing that base declares"
            assert wrapped == {"type": "MemoryDataset"}, name
            continue
        expected = {key: value for key, value in base[name].items() if key != "metadata"}
        assert wrapped == expected, name
        layer = base[name].get("metadata", {}).get("kedro-viz", {}).get("layer")
        assert entry.get("metadata", {}).get("kedro-viz", {}).get("layer") == layer, name
