"""Typed parameters: every environment validates, and a bad key is reported on one line."""

from __future__ import annotations

from typing import Any

import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.project import configure_project

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS, register_pipelines
from customer_segmentation.settings import CONFIG_LOADER_ARGS
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import load_parameters, project_parameters

ENVIRONMENTS = sorted(
    path.name
    for path in (PROJECT_ROOT / "conf").iterdir()
    if path.is_dir() and path.name not in ("base", "local")
)


def environment_parameters(env: str) -> dict[str, Any]:
    """The parameters of ``env`` as a run loads them (base + env, soft merge)."""
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"),
        env=env,
        **{key: value for key, value in CONFIG_LOADER_ARGS.items() if key != "default_run_env"},
    )
    return loader["parameters"]


@pytest.mark.parametrize("env", ["base", *ENVIRONMENTS])
def test_every_shipped_environment_validates(env: str):
    raw = environment_parameters(env if env != "base" else "local")
    checked = check_parameters(raw, PARAMETER_GROUPS)
    assert set(checked) == set(PARAMETER_GROUPS)


def test_every_group_has_a_model_and_a_file():
    files = {
        path.stem.removeprefix("parameters_")
        for path in (PROJECT_ROOT / "conf/base").glob("parameters_*.yml")
    }
    assert files == set(PARAMETER_GROUPS)
    for group in PARAMETER_GROUPS:
        assert load_parameters(group)


def test_every_typed_node_input_names_a_known_group():
    """A node that asks for ``params:<group>...`` asks for a group that has a model."""
    configure_project("customer_segmentation")  # find_pipelines needs the project's settings
    for pipeline in register_pipelines().values():
        for node in pipeline.nodes:
            for name in node.inputs:
                if name.startswith("params:"):
                    assert name.removeprefix("params:").split(".")[0] in PARAMETER_GROUPS, name


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        # a misspelled key: "did you mean", not "n_trials is missing"
        (
            {"model_selection": {"study": {"n_trails": 5}}},
            ("parameter 'model_selection.study.n_trails'", "not a known parameter", "'n_trials'"),
        ),
        (
            {"clustering": {"stability": {"n_bootstrap": "twenty"}}},
            ("parameter 'clustering.stability.n_bootstrap'", "'twenty'", "integer"),
        ),
        (
            {"reporting": {"significance_level": 1.5}},
            ("parameter 'reporting.significance_level'",),
        ),
        (
            {"model_selection": {"k_range": {"min": 8, "max": 3}}},
            ("parameter 'model_selection.k_range", "reversed"),
        ),
    ],
)
def test_a_bad_parameter_is_named_on_one_line(overrides: dict[str, Any], expected: tuple[str, ...]):
    with pytest.raises(InputValidationError) as raised:
        project_parameters(overrides)
    message = str(raised.value)
    assert "\n" not in message
    for text in expected:
        assert text in message


def test_a_misspelled_group_is_named():
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    raw["clustring"] = raw.pop("clustering")
    with pytest.raises(InputValidationError, match=r"'clustring'.*did you mean 'clustering'"):
        check_parameters(raw, PARAMETER_GROUPS)


def test_a_missing_key_is_named():
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    del raw["model_selection"]["study"]["n_trials"]
    with pytest.raises(InputValidationError, match=r"'model_selection.study.n_trials': is missing"):
        check_parameters(raw, PARAMETER_GROUPS)


def test_models_are_read_only():
    params = project_parameters()["model_selection"]
    with pytest.raises(ValueError, match="frozen"):
        params.forced_k = 3  # type: ignore[misc]
