"""The ``reporting`` parameter model: every rule names the parameter, shipped values pass."""

from __future__ import annotations

import functools

import pytest
import yaml
from kedro.validation.type_extractor import TypeExtractor
from pydantic import ValidationError

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from customer_segmentation.pipelines.reporting import create_pipeline
from customer_segmentation.pipelines.reporting.params import PlotStyle, ReportingParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    merged,
    rejected_parameters,
    typed_parameters,
)

_error = functools.partial(rejected_parameters, "reporting")


def test_shipped_base_parameters_are_valid():
    params = typed_parameters("reporting")
    assert isinstance(params, ReportingParams)
    assert isinstance(params.style, PlotStyle)
    assert params.style.figure_size == (11.0, 6.0)
    assert params.optuna_direction == "maximize"
    assert params.profile_features[0] == "recency"


def test_customer_table_environment_is_valid():
    path = PROJECT_ROOT / "conf" / "customer_table" / "parameters_reporting.yml"
    env = yaml.safe_load(path.read_text(encoding="utf-8"))["reporting"]
    params = ReportingParams.model_validate(merged(load_parameters("reporting"), env))
    assert params.boxplot_features == ("age", "annual_income", "spending_score")
    assert params.unit("age") == "years"
    assert params.formats.money_features == ("annual_income",)
    assert params.formats.currency_symbol == ""  # base's


@pytest.mark.parametrize(
    ("overrides", "name", "problem"),
    [
        ({"significance_level": 1.5}, "significance_level", "is 1.5. Fix: use a value between 0"),
        ({"significance_level": 0}, "significance_level", "is 0. Fix: use a value between 0"),
        ({"histogram_bins": 0}, "histogram_bins", "is 0. Fix: use a positive integer"),
        (
            {"workbook_max_customers": 2_000_000},
            "workbook_max_customers",
            "less than or equal to 1048575",
        ),
        ({"histogram_bins": True}, "histogram_bins", "is True. Fix: use a positive integer"),
        ({"pca_sample_size": -5}, "pca_sample_size", "is -5. Fix: use a positive integer"),
        ({"silhouette_sample_size": "many"}, "silhouette_sample_size", "positive integer"),
        ({"style": {"dpi": 0}}, "style.dpi", "is 0. Fix: use a positive integer"),
        ({"optuna_direction": "up"}, "optuna_direction", "'maximize' or 'minimize'"),
        ({"style": {"palette": []}}, "style.palette", "is empty. Fix: list at least one colour"),
        ({"style": {"figure_size": [11, 0]}}, "style.figure_size", "is [11, 0]. Fix: give [w"),
        ({"style": {"figure_size": [11]}}, "style.figure_size", "in inches > 0"),
        ({"style": {"figure_size": [1, 2, 3]}}, "style.figure_size", "in inches > 0"),
        ({"min_effect_size": -0.1}, "min_effect_size", "greater than or equal to 0"),
        ({"min_effect_size": 1.5}, "min_effect_size", "less than or equal to 1"),
        ({"random_seed": -1}, "random_seed", "greater than or equal to 0"),
        ({"boxplot_show_outliers": "sometimes"}, "boxplot_show_outliers", "valid boolean"),
        ({"profile_features": "recency"}, "profile_features", "valid tuple"),
        ({"feature_units": {"recency": ["days"]}}, "feature_units.recency", "valid string"),
        ({"formats": {"currency_symbol": '"$"'}}, "formats.currency_symbol", "without quotes"),
        ({"formats": {"currency_position": "left"}}, "formats.currency_position", "'prefix'"),
        ({"formats": {"money_decimals": 9}}, "formats.money_decimals", "less than or equal to 6"),
        ({"formats": {"score_decimals": 0}}, "formats.score_decimals", "greater than or equal"),
        ({"formats": {"share_features": "x"}}, "formats.share_features", "valid tuple"),
    ],
)
def test_bad_values_name_the_parameter(overrides, name, problem):
    message = _error(overrides)
    assert message.startswith(f"parameter 'reporting.{name}': ")
    assert problem in message


def test_misspelled_key_suggests_the_known_one():
    message = _error({"style": {"pallete": ["#000000"]}})
    assert message.startswith("parameter 'reporting.style.pallete': is not a known parameter")
    assert "did you mean 'palette'?" in message


@pytest.mark.parametrize(
    ("path", "name"), [(("pca_sample_size",), "pca_sample_size"), (("style", "dpi"), "style.dpi")]
)
def test_missing_key_is_reported(path, name):
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    section = raw["reporting"]
    for key in path[:-1]:
        section = section[key]
    del section[path[-1]]
    with pytest.raises(InputValidationError, match=rf"'reporting\.{name}': is missing"):
        check_parameters(raw, PARAMETER_GROUPS)


def test_model_is_read_only():
    params = typed_parameters("reporting")
    with pytest.raises(ValidationError, match="frozen"):
        params.histogram_bins = 10  # type: ignore[misc]


def test_units_labels_and_colours():
    params = typed_parameters(
        "reporting", {"feature_units": {"recency": "days"}, "style": {"palette": ["red", "blue"]}}
    )
    assert params.unit("recency") == "days"
    assert params.unit("unknown") == "value"
    assert params.raw_label("recency") == "days since last order (days)"
    assert params.label("unknown") == "unknown"
    assert params.formats.amount("monetary", 1234.5) == "1,234.50"
    assert params.formats.amount("return_rate", 0.1234) == "12.3%"
    assert [params.style.colour(i) for i in range(3)] == ["red", "blue", "red"]


def test_new_figure_uses_size_and_dpi():
    style = typed_parameters("reporting", {"style": {"figure_size": [4, 2], "dpi": 50}}).style
    fig, axes = style.new_figure(1, 2, height_scale=1.5)
    assert tuple(fig.get_size_inches()) == (4.0, 3.0)
    assert fig.dpi == 50
    assert axes.shape == (1, 2)


def test_every_node_takes_the_typed_group():
    """Kedro reads the annotations to validate ``params:reporting`` as ReportingParams."""
    pipeline = create_pipeline()
    users = [node for node in pipeline.nodes if "params:reporting" in node.inputs]
    assert len(users) > 10
    for node in users:
        found = TypeExtractor({"reporting": pipeline.only_nodes(node.name)})
        assert found.extract_types_from_pipelines() == {"reporting": ReportingParams}, node.name
