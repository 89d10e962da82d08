"""Run a project pipeline on a catalog built from the project's own YAML, in a temp folder."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kedro.config import OmegaConfigLoader
from kedro.io import CatalogConfigResolver, DataCatalog
from kedro.pipeline import Pipeline
from kedro.runner import SequentialRunner

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import Parameters, check_parameters, with_changes
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from tests.conftest import PROJECT_ROOT

#: The smallest K range: data_processing lets tables of three customers through (a
#: silhouette on K segments needs more than K customers).
TWO_SEGMENTS = {"model_selection": {"k_range": {"min": 2, "max": 2}}}


def load_parameters(pipeline_name: str) -> dict[str, Any]:
    """The ``pipeline_name`` group of conf/base (a dict, e.g. to edit before validating).

    Read as a run reads it, so ``${globals:...}`` values (the seeds) are resolved.
    """
    return config_loader("base")["parameters"][pipeline_name]


def merged(base: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` merged in key by key (what an environment file does, and
    what an experiment does: the package's own merge), copied so tests can change it."""
    return copy.deepcopy(with_changes(base, overrides))


def with_dotted(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A copy of raw ``params`` with ``changes`` set, ``__`` for nesting (``study__n_trials=3``)."""
    result = copy.deepcopy(params)
    for dotted, value in changes.items():
        *parents, leaf = dotted.split("__")
        target = result
        for key in parents:
            target = target[key]
        target[leaf] = value
    return result


def project_parameters(overrides: dict[str, Any] | None = None) -> dict[str, Parameters]:
    """Every group of conf/base with ``overrides`` merged in, validated into its model."""
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    return check_parameters(merged(raw, overrides or {}), PARAMETER_GROUPS)


def typed_parameters(group: str, overrides: dict[str, Any] | None = None) -> Any:
    """The model of one group of conf/base, with ``overrides`` merged into that group."""
    return project_parameters({group: overrides or {}})[group]


#: Every shipped environment (``base`` alone, then each folder of conf/ but local/).
ENVIRONMENTS = [
    "base",
    *sorted(
        path.name
        for path in (PROJECT_ROOT / "conf").iterdir()
        if path.is_dir() and path.name not in ("base", "local")
    ),
]


def config_loader(env: str = "base") -> OmegaConfigLoader:
    """The configuration of an environment (base, then ``env`` over it)."""
    return OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )


def catalog_config(names: set[str] | None = None, env: str = "base") -> dict[str, Any]:
    """Catalog entries of an environment (all, or those in ``names``), globals resolved."""
    declared = {
        name: entry
        for name, entry in config_loader(env)["catalog"].items()
        if not name.startswith("_")
    }
    if names is None:
        return declared
    # a name that only a dataset factory declares (e.g. "{figure}_plot") gets its resolved entry
    resolver = CatalogConfigResolver(config=declared)
    return {
        name: declared[name] if name in declared else resolver.resolve_pattern(name)
        for name in names
        if name in declared or resolver.match_dataset_pattern(name)
    }


def project_catalog(root: Path, overrides: dict[str, Any] | None = None) -> DataCatalog:
    """The base catalog with every relative file path moved under ``root``."""
    config = catalog_config()
    for entry in config.values():
        if "filepath" in entry:
            entry["filepath"] = str(root / entry["filepath"])
    config.update(overrides or {})
    return DataCatalog.from_config(config)


def rejected_parameters(group: str, overrides: dict[str, Any]) -> str:
    """The error for ``group`` of conf/base with ``overrides`` merged in: one line, with a fix."""
    with pytest.raises(InputValidationError) as error:
        project_parameters({group: overrides})
    return one_line(error.value)


def rejected_raw_parameters(group: str, edit: Callable[[dict[str, Any]], None]) -> str:
    """The error when ``edit`` changes the raw ``group`` of conf/base (e.g. removes a key)."""
    raw = {name: load_parameters(name) for name in PARAMETER_GROUPS}
    edit(raw[group])
    with pytest.raises(InputValidationError) as error:
        check_parameters(raw, PARAMETER_GROUPS)
    return one_line(error.value)


def one_line(error: InputValidationError) -> str:
    message = str(error)
    assert "\n" not in message and "Fix:" in message, message
    return message


def run_pipeline(
    pipeline: Pipeline, catalog: DataCatalog, overrides: dict[str, Any] | None = None
) -> DataCatalog:
    """Run sequentially with the base parameters (``overrides`` merged in), typed as in a run.

    Every group and every field below it is fed as ``params:<group>[.<field>...]``, the
    way Kedro feeds validated parameters to the nodes.
    """
    for group, model in project_parameters(overrides).items():
        _feed(catalog, group, model)
    SequentialRunner().run(pipeline, catalog)
    return catalog


def _feed(catalog: DataCatalog, name: str, value: Any) -> None:
    catalog[f"params:{name}"] = value
    if isinstance(value, Parameters):
        fields = {field: getattr(value, field) for field in type(value).model_fields}
    else:
        fields = value if isinstance(value, dict) else {}
    for field, field_value in fields.items():
        _feed(catalog, f"{name}.{field}", field_value)
