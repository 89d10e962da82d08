"""An environment runs only the pipelines it declares (``pipelines`` in its globals.yml)."""

from __future__ import annotations

from pathlib import Path

import pytest
from kedro.framework.project import configure_project

from customer_segmentation.environments import check_run, declared_pipelines
from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipeline_registry import register_pipelines
from tests.conftest import copy_project, run_kedro
from tests.pipelines.pipeline_helpers import ENVIRONMENTS, config_loader

COMMAND = "kedro run --env customer_table --pipelines customer_table"
REFUSED = (
    "Error: environment 'customer_table' runs the pipeline customer_table (pipelines: in "
    "conf/customer_table/globals.yml), not {asked}. Fix: " + COMMAND
)
PIPELINES = {
    "customer_table": {"parse_customers", "select_k", "fit"},
    "__default__": {"parse_lines", "select_k", "fit"},
    "reporting": {"report"},
}


def _check(requested: list[str] | None, run_nodes: set[str], declared=("customer_table",)):
    check_run("customer_table", declared, requested, run_nodes, PIPELINES.get)


@pytest.mark.parametrize(
    ("requested", "run_nodes"),
    [
        (["customer_table"], {"parse_customers", "select_k", "fit"}),
        (["customer_table"], {"parse_customers"}),  # --to-outputs: a part of it
        (["model_selection"], {"select_k"}),  # a pipeline inside the declared one
    ],
)
def test_a_declared_pipeline_or_a_part_of_it_runs(requested, run_nodes):
    _check(requested, run_nodes)


@pytest.mark.parametrize(
    ("requested", "run_nodes", "asked"),
    [
        (None, {"parse_lines", "select_k", "fit"}, "__default__"),
        ([], {"parse_lines", "select_k", "fit"}, "__default__"),
        (["data_processing"], {"parse_lines"}, "data_processing"),
        (["reporting", "model_selection"], {"report", "select_k"}, "reporting, model_selection"),
    ],
)
def test_any_other_run_stops_with_the_command_to_use(requested, run_nodes, asked):
    with pytest.raises(InputValidationError) as raised:
        _check(requested, run_nodes)
    assert f"Error: {raised.value}" == REFUSED.format(asked=asked)


def test_several_declared_pipelines_are_named_and_the_first_is_the_command():
    with pytest.raises(InputValidationError, match="runs the pipelines customer_table, report"):
        _check(None, {"parse_lines"}, declared=("customer_table", "reporting"))
    _check(["reporting"], {"report"}, declared=("customer_table", "reporting"))


def test_a_declared_name_that_is_no_pipeline_is_named():
    with pytest.raises(InputValidationError, match="names 'custmer_table', which is not a pip"):
        _check(None, {"parse_lines"}, declared=("custmer_table",))


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("customer_table", ("customer_table",)), (["a", "b"], ("a", "b"))],
)
def test_the_declaration_is_a_list_of_names(value, expected):
    assert declared_pipelines({"pipelines": value}, "shop") == expected


@pytest.mark.parametrize("value", [[], [""], [1], {"a": 1}, 5])
def test_a_declaration_that_is_no_list_of_names_is_refused(value):
    with pytest.raises(InputValidationError, match="'pipelines' in conf/shop/globals.yml is"):
        declared_pipelines({"pipelines": value}, "shop")


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_declared_pipeline_is_registered(env):
    configure_project("customer_segmentation")
    declared = declared_pipelines(config_loader(env)["globals"], env) or ()
    assert set(declared) <= set(register_pipelines()), env


def test_the_customer_table_environment_declares_its_pipeline():
    globals_ = config_loader("customer_table")["globals"]
    assert declared_pipelines(globals_, "customer_table") == ("customer_table",)
    assert declared_pipelines(config_loader("base")["globals"], "base") is None


@pytest.mark.parametrize(
    ("pipelines", "asked"), [((), "__default__"), (("--pipelines", "scoring"), "scoring")]
)
def test_a_wrong_run_of_the_customer_table_environment_writes_nothing(
    tmp_path: Path, pipelines, asked
):
    project = copy_project(tmp_path / "project")
    before = sorted(path for path in (project / "data").rglob("*"))

    result = run_kedro(project, "run", "--env", "customer_table", *pipelines, check=False)

    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [REFUSED.format(asked=asked)]
    # no output, no lock, no data folder of the environment: nothing was read or written
    assert sorted(path for path in (project / "data").rglob("*")) == before
    assert not (project / "data/customer_table").exists()
