"""Run a project pipeline on a catalog built from the project's own YAML, in a temp folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner

from tests.conftest import PROJECT_ROOT

#: The model-selection parameters data_processing reads, for tables of two customers.
TWO_SEGMENTS = {"model_selection": {"k_range": {"min": 2, "max": 2}}}


def load_parameters(pipeline_name: str) -> dict[str, Any]:
    path = PROJECT_ROOT / "conf" / "base" / f"parameters_{pipeline_name}.yml"
    return yaml.safe_load(path.read_text())[pipeline_name]


def catalog_config(names: set[str] | None = None, env: str = "base") -> dict[str, Any]:
    """Catalog entries of an environment (all, or those in ``names``), globals resolved."""
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )
    config = loader["catalog"]
    return {
        name: entry
        for name, entry in config.items()
        if not name.startswith("_") and (names is None or name in names)
    }


def project_catalog(root: Path, overrides: dict[str, Any] | None = None) -> DataCatalog:
    """The base catalog with every relative file path moved under ``root``."""
    config = catalog_config()
    for entry in config.values():
        if "filepath" in entry:
            entry["filepath"] = str(root / entry["filepath"])
    config.update(overrides or {})
    return DataCatalog.from_config(config)


def run_pipeline(
    pipeline: Pipeline, catalog: DataCatalog, parameters: dict[str, dict[str, Any]]
) -> DataCatalog:
    """Feed ``params:<group>.<key>`` inputs from ``parameters`` and run sequentially."""
    for group, values in parameters.items():
        catalog[f"params:{group}"] = values
        for key, value in values.items():
            catalog[f"params:{group}.{key}"] = value
    SequentialRunner().run(pipeline, catalog)
    return catalog
