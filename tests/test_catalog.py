"""Every environment's catalog: outputs under the data root, inputs read from raw exports."""

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


def written_datasets() -> set[str]:
    """Every dataset some registered pipeline writes, without its transcoding (``@ibis``)."""
    configure_project("customer_segmentation")
    outputs = set().union(*(pipeline.all_outputs() for pipeline in register_pipelines().values()))
    return {name.split("@")[0] for name in outputs}


def declared_filepaths(env: str) -> dict[str, str]:
    """The filepath of each entry as written in base's and ``env``'s catalog files."""
    filepaths: dict[str, str] = {}
    for folder in dict.fromkeys(("base", env)):
        for path in sorted((PROJECT_ROOT / "conf" / folder).glob("catalog*.yml")):
            for name, entry in (yaml.safe_load(path.read_text()) or {}).items():
                if not name.startswith("_"):
                    filepaths[name] = entry.get("filepath")
    return filepaths


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_entry_writes_under_the_data_root_or_reads_a_raw_export(env: str):
    data_root = config_loader(env)["globals"]["data_root"]
    written = written_datasets()
    as_written = declared_filepaths(env)
    entries = catalog_config(env=env)  # a dataset factory ("{figure}_plot") included
    assert entries
    for name, entry in entries.items():
        filepath = entry.get("filepath")
        assert isinstance(filepath, str), f"{env}: '{name}' has no filepath"
        # an earlier version of an output (previous_*) reads where that output is written
        earlier = str(entry.get("type", "")).startswith("customer_segmentation.datasets.Previous")
        if name.split("@")[0] in written or "{" in name or earlier:
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
