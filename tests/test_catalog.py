"""Every environment's catalog: outputs under the data root, inputs read from raw exports,
every dataset drawn in a kedro-viz layer; the tracking environment logs base's outputs
without changing them."""

from __future__ import annotations

import pytest
import yaml
from kedro.framework.project import configure_project
from kedro.io import DataCatalog

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
#: The type of the entries that only give an in-memory dataset its layer (catalog_in_memory.yml).
IN_MEMORY = "customer_segmentation.memory_dataset.LayeredMemoryDataset"
#: kedro-viz's layers, in the order the data flows through them.
VIZ_LAYERS = (
    "raw",
    "intermediate",
    "primary",
    "feature",
    "model_input",
    "models",
    "model_output",
    "reporting",
)
TRACKING_ENV = "tracking"


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


def declared_entries(env: str):
    """``(file, name, entry)`` of every entry (and factory) of base's and ``env``'s catalog
    files, as written."""
    for folder in dict.fromkeys(("base", env)):
        for path in sorted((PROJECT_ROOT / "conf" / folder).glob("catalog*.yml")):
            for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
                if not name.startswith("_"):
                    yield path.relative_to(PROJECT_ROOT), name, entry


def declared_filepaths(env: str) -> dict[str, str]:
    """The filepath of each entry as written in base's and ``env``'s catalog files."""
    return {name: stored(entry).get("filepath") for _, name, entry in declared_entries(env)}


def viz_layer(entry: dict) -> str | None:
    return ((entry.get("metadata") or {}).get("kedro-viz") or {}).get("layer")


def pipeline_datasets() -> set[str]:
    """Every dataset some registered pipeline reads or writes (parameters left out)."""
    configure_project("customer_segmentation")
    names = set().union(*(pipeline.datasets() for pipeline in register_pipelines().values()))
    return {name for name in names if not name.startswith("params:") and name != "parameters"}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_entry_writes_under_the_data_root_or_reads_a_raw_export(env: str):
    data_root = config_loader(env)["globals"]["data_root"]
    written = written_datasets()
    as_written = declared_filepaths(env)
    entries = catalog_config(env=env)  # a dataset factory ("{figure}_plot") included
    assert entries
    for name, entry in entries.items():
        if stored(entry).get("type") == IN_MEMORY:  # never written: declared for its layer
            assert "filepath" not in stored(entry), (env, name)
            continue
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
    entries = catalog_config({"raw_transactions", "raw_customers", "raw_campaigns"}, env=env)
    raw_paths = {key: value for key, value in settings.items() if key.startswith("raw_")}
    assert set(raw_paths) == {"raw_transactions_path", "raw_customers_path", "raw_campaigns_path"}
    assert entries["raw_customers"]["filepath"] == raw_paths["raw_customers_path"]
    # optional: a path without a file skips campaigns (online_retail_ii ships none)
    assert entries["raw_campaigns"]["filepath"] == raw_paths["raw_campaigns_path"]
    assert (PROJECT_ROOT / entries["raw_customers"]["filepath"]).is_file()
    if env != "online_retail_ii":  # an Excel workbook the user downloads: its own entry
        assert entries["raw_transactions"]["filepath"] == raw_paths["raw_transactions_path"]


def test_no_base_entry_reads_a_file_that_is_not_shipped():
    """What a run of base reads (not what a pipeline writes) is in the repository."""
    written = written_datasets()
    read = {
        name: entry["filepath"]
        for name, entry in catalog_config(env="base").items()
        if name.split("@")[0] not in written
        and "{" not in name
        and not str(entry.get("type", "")).startswith("customer_segmentation.datasets.Previous")
    }
    assert {"raw_transactions", "raw_customers"} <= set(read)
    missing = {name: path for name, path in read.items() if not (PROJECT_ROOT / path).is_file()}
    assert not missing, f"base entries read files that are not shipped: {missing}"


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
        assert name in base, f"'{name}' wraps nothing that base declares"
        expected = {key: value for key, value in base[name].items() if key != "metadata"}
        assert wrapped == expected, name
        layer = base[name].get("metadata", {}).get("kedro-viz", {}).get("layer")
        assert entry.get("metadata", {}).get("kedro-viz", {}).get("layer") == layer, name


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_entry_and_factory_declares_a_kedro_viz_layer(env: str):
    base = {name: viz_layer(entry) for _, name, entry in declared_entries("base")}
    for path, name, entry in declared_entries(env):
        layer = viz_layer(entry)
        assert layer in VIZ_LAYERS, f"{path}: '{name}' has the kedro-viz layer {layer!r}"
        # an environment's entry stays in base's layer (base's are checked for cycles below)
        assert layer == base.get(name, layer), f"{path}: '{name}' moves to {layer}"


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_dataset_of_every_pipeline_has_an_entry_with_a_layer(env: str):
    # in-memory ones included: an undeclared dataset floats outside the layers in kedro-viz
    names = pipeline_datasets()
    entries = catalog_config(names, env=env)
    assert sorted(names - set(entries)) == [], "no catalog entry or factory"
    for name, entry in entries.items():
        assert viz_layer(entry) in VIZ_LAYERS, (env, name)


def test_kedro_viz_draws_every_dataset_in_a_layer_of_the_flow():
    """kedro-viz's own loading: layers that form a cycle turn the layer bands off altogether
    (a warning in the terminal, nothing in the browser)."""
    from kedro_viz.data_access.managers import DataAccessManager  # noqa: PLC0415
    from kedro_viz.models.flowchart.nodes import DataNode  # noqa: PLC0415
    from kedro_viz.server import populate_data  # noqa: PLC0415

    configure_project("customer_segmentation")
    pipelines = register_pipelines()
    manager = DataAccessManager()
    populate_data(manager, DataCatalog.from_config(catalog_config()), pipelines, {})
    data_nodes = [node for node in manager.nodes.as_list() if isinstance(node, DataNode)]
    assert data_nodes
    assert [node.name for node in data_nodes if node.layer is None] == []
    assert manager.get_sorted_layers_for_registered_pipeline("__default__") == list(VIZ_LAYERS)
    for name in pipelines:  # a cycle gives no layers at all
        assert manager.get_sorted_layers_for_registered_pipeline(name), name
