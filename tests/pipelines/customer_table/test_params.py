"""The ``customer_table`` parameter rules: each bad value stops the run with one named line."""

from __future__ import annotations

import functools

import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from customer_segmentation.pipelines.customer_table.params import CustomerTableParams
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    project_parameters,
    rejected_parameters,
)

from .conftest import CATEGORICAL, NUMERIC, PARAMETER_GROUP, params

PARAMS_FILE = "conf/<env>/parameters_customer_table.yml"


check = functools.partial(rejected_parameters, PARAMETER_GROUP)


def test_example_parameters_are_valid_and_declare_the_example_columns():
    settings = project_parameters({PARAMETER_GROUP: params()})[PARAMETER_GROUP]
    assert isinstance(settings, CustomerTableParams)
    assert settings.id_column == "customer_id"
    assert list(settings.numeric_columns or ()) == NUMERIC
    assert list(settings.categorical_columns or ()) == CATEGORICAL
    assert list(settings.model_features) == NUMERIC + CATEGORICAL  # null = every column
    assert list(settings.numeric_features) == NUMERIC
    assert list(settings.categorical_features) == CATEGORICAL
    assert settings.log1p_features == ("annual_income",)
    assert settings.model.imputation.model_dump() == {
        "numeric": "median",
        "categorical": "most_frequent",
        "categorical_fill_value": "missing",
    }


def test_base_parameters_are_valid():
    settings = project_parameters()[PARAMETER_GROUP]
    assert settings.id_column == "CustomerID"
    assert settings.log1p_features == ("Annual Income (k$)",)


def test_model_features_keep_their_order_and_drop_log1p_of_unused_columns():
    settings = project_parameters(
        {PARAMETER_GROUP: params(model__features=["spending_score", "city", "age"])}
    )[PARAMETER_GROUP]
    assert settings.numeric_features == ("spending_score", "age")
    assert settings.categorical_features == ("city",)
    assert settings.log1p_features == ()  # annual_income is not a model feature


def test_null_column_lists_are_empty():
    settings = project_parameters({PARAMETER_GROUP: params(categorical_columns=None)})[
        PARAMETER_GROUP
    ]
    assert settings.categorical_features == () and list(settings.model_features) == NUMERIC


@pytest.mark.parametrize(
    ("overrides", "parameter", "problem"),
    [
        ({"categorical_columns": ["gender", "age"]}, "categorical_columns", "both numeric"),
        ({"numeric_columns": ["age", "age"]}, "numeric_columns", "more than once"),
        ({"numeric_columns": ["age", " "]}, "numeric_columns", "not a list of column names"),
        ({"id_column": "age"}, "id_column", "also declared"),
        ({"id_column": " "}, "id_column", "is ' '"),
        ({"model__features": ["gender", "city"]}, "model.features", "no numeric column"),
        ({"model__features": ["age", "zip"]}, "model.features", "not declared"),
        ({"model__features": ["age", "age"]}, "model.features", "more than once"),
        ({"model__log1p_features": ["gender"]}, "model.log1p_features", "not numeric"),
        ({"model__cap_quantiles": [0.9, 0.1]}, "model.cap_quantiles", "lower < upper"),
        ({"model__cap_quantiles": [0.0, 1.5]}, "model.cap_quantiles", "lower < upper"),
        ({"model__cap_quantiles": [0.1]}, "model.cap_quantiles", "is [0.1], must be [lower"),
        ({"model__imputation__numeric": "zero"}, "model.imputation.numeric", "'zero'"),
        ({"model__imputation__categorical": "median"}, "model.imputation.categorical", "median"),
        (
            {"model__imputation__categorical_fill_value": ""},
            "model.imputation.categorical_fill_value",
            "is ''",
        ),
        ({"parsing__thousands_separator": "."}, "parsing.thousands_separator", "'.'"),
        ({"parsing__thousands_separator": "ab"}, "parsing.thousands_separator", "'ab'"),
        ({"parsing__decimal_separator": ""}, "parsing.decimal_separator", "is ''"),
    ],
)
def test_rules_across_columns_are_named_with_the_file_to_edit(overrides, parameter, problem):
    message = check(params(**overrides))
    assert f"parameter 'customer_table.{parameter}'" in message and problem in message
    assert PARAMS_FILE in message


@pytest.mark.parametrize(
    ("overrides", "parameter", "problem"),
    [
        ({"model__categorical_weight": 0}, "model.categorical_weight", "is 0"),
        ({"parsing__max_unparseable_share": 1.5}, "parsing.max_unparseable_share", "1.5"),
        ({"parsing__max_unparseable_share": -0.1}, "parsing.max_unparseable_share", "-0.1"),
        ({"parsing__strip_id_decimals": "maybe"}, "parsing.strip_id_decimals", "'maybe'"),
        ({"numeric_columns": "age"}, "numeric_columns", "tuple"),
    ],
)
def test_values_of_the_wrong_type_or_range_are_named(overrides, parameter, problem):
    message = check(params(**overrides))
    assert f"parameter 'customer_table.{parameter}'" in message and problem in message


def test_a_missing_or_misspelled_parameter_is_named():
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    del raw[PARAMETER_GROUP]["model"]["imputation"]
    with pytest.raises(
        InputValidationError, match=r"'customer_table\.model\.imputation': is missing"
    ):
        check_parameters(raw, PARAMETER_GROUPS)
    message = check({"parsing": {"decimal_seperator": ","}})
    assert "parameter 'customer_table.parsing.decimal_seperator': is not a known" in message
    assert "did you mean 'decimal_separator'" in message
