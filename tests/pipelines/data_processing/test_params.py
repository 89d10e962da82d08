"""The ``data_processing`` parameter rules: each bad value names its parameter on one line."""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from customer_segmentation.pipelines.data_processing.params import DataProcessingParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import (
    rejected_parameters,
    rejected_raw_parameters,
    typed_parameters,
)

rejected = functools.partial(rejected_parameters, "data_processing")
rejected_raw = functools.partial(rejected_raw_parameters, "data_processing")


def test_base_parameters_are_valid():
    params = typed_parameters("data_processing")
    assert isinstance(params, DataProcessingParams)
    assert params.column_mapping.customer_id == "Customer ID"
    assert params.parsing.date_format is None
    assert params.parsing.max_unparseable_share == 0.01
    assert params.cleaning.max_abs_quantity == 10000
    assert params.parsing.utc_offsets == "refuse"
    assert "nan" in params.parsing.missing_id_values
    assert str(params.plausibility.earliest_date) == "1990-01-01"
    assert params.plausibility.latest_date is None
    assert params.plausibility.max_line_revenue == 10_000_000
    assert "BANK CHARGES" in params.cleaning.non_product_codes


@pytest.mark.parametrize("env", ["test", "online_retail_ii"])
def test_every_environment_is_valid(env):
    overrides = yaml.safe_load((PROJECT_ROOT / "conf" / env / "parameters.yml").read_text())
    params = typed_parameters("data_processing", overrides.get("data_processing", {}))
    assert isinstance(params, DataProcessingParams)
    if env == "online_retail_ii":
        assert "GIFT_0001_80" in params.cleaning.non_product_codes


def test_optional_columns_may_be_null_and_rules_off():
    params = typed_parameters(
        "data_processing",
        {
            "column_mapping": {"invoice": None, "stock_code": None, "country": None},
            "parsing": {"date_format": "%Y%m%d", "thousands_separator": ","},
            "cleaning": {"cancellation_prefix": None, "max_abs_quantity": None},
        },
    )
    assert params.column_mapping.invoice is None
    assert params.parsing.decimal_separator == "."
    assert params.cleaning.max_abs_quantity is None


@pytest.mark.parametrize(
    ("overrides", "parameter", "problem"),
    [
        # required columns: today's wording
        ({"column_mapping": {"price": None}}, "column_mapping.price", "a required column is not mapped"),
        ({"column_mapping": {"customer_id": " "}}, "column_mapping.customer_id", "a required column is not mapped"),
        ({"column_mapping": {"country": ""}}, "column_mapping.country", "is an empty column name"),
        ({"column_mapping": {"quantity": 3}}, "column_mapping.quantity", "valid string"),
        ({"parsing": {"max_unparseable_share": 1}}, "parsing.max_unparseable_share", "less than 1"),
        ({"parsing": {"max_unparseable_share": -0.1}}, "parsing.max_unparseable_share", "greater than or equal to 0"),
        (
            {"parsing": {"date_format": "%d %b %Y"}},
            "parsing.date_format",
            "unsupported directive %b in date format '%d %b %Y'",
        ),
        ({"parsing": {"decimal_separator": ""}}, "parsing.decimal_separator", "at least 1 character"),
        ({"parsing": {"thousands_separator": "."}}, "parsing.thousands_separator", "is the decimal separator too"),
        ({"parsing": {"strip_customer_id_decimals": "maybe"}}, "parsing.strip_customer_id_decimals", "'maybe'"),
        ({"parsing": {"utc_offsets": "drop"}}, "parsing.utc_offsets", "'refuse', 'utc' or 'local'"),
        ({"parsing": {"missing_id_values": ["nan", " "]}}, "parsing.missing_id_values", "lists an empty value"),
        ({"plausibility": {"earliest_date": "1st of May"}}, "plausibility.earliest_date", "'1st of May'"),
        (
            {"plausibility": {"earliest_date": "2012-01-01", "latest_date": "2011-12-31"}},
            "plausibility.earliest_date",
            "is after latest_date (2011-12-31)",
        ),
        ({"plausibility": {"max_line_revenue": 1e15}}, "plausibility.max_line_revenue", "less than or equal to"),
        ({"plausibility": {"max_share": 1}}, "plausibility.max_share", "less than 1"),
        ({"cleaning": {"max_abs_quantity": 0}}, "cleaning.max_abs_quantity", "greater than 0"),
        ({"cleaning": {"drop_duplicates": "often"}}, "cleaning.drop_duplicates", "valid boolean"),
        ({"cleaning": {"non_product_codes": [1234]}}, "cleaning.non_product_codes.0", "valid string"),
        ({"cleaning": {"non_product_codes": "POST"}}, "cleaning.non_product_codes", "valid tuple"),
    ],
)  # fmt: skip
def test_each_rule_names_the_parameter(overrides, parameter, problem):
    message = rejected(overrides)
    assert message.startswith(f"parameter 'data_processing.{parameter}': ")
    assert problem in message


def test_the_date_format_fix_lists_the_directives():
    message = rejected({"parsing": {"date_format": "%d/%m/%y"}})
    assert (
        "Fix: use only %Y %m %d %H %M %S and literal separators, or null for ISO dates" in message
    )


@pytest.mark.parametrize(
    ("section", "wrong", "right"),
    [
        ("column_mapping", "custmer_id", "customer_id"),
        ("parsing", "date_fromat", "date_format"),
        ("cleaning", "drop_duplicate", "drop_duplicates"),
    ],
)
def test_a_misspelled_key_is_named_with_the_right_spelling(section, wrong, right):
    def misspell(group: dict[str, Any]) -> None:
        group[section][wrong] = group[section].pop(right)

    message = rejected_raw(misspell)
    # the unknown key is reported first: it is also why the right one is missing
    assert message.startswith(f"parameter 'data_processing.{section}.{wrong}': ")
    assert "is not a known parameter" in message
    assert f"did you mean '{right}'" in message


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("column_mapping", "country"),  # optional columns are required keys: null, not absent
        ("parsing", "max_unparseable_share"),
        ("plausibility", "max_line_revenue"),
        ("cleaning", "non_product_codes"),
    ],
)
def test_a_missing_key_is_named(section, key):
    message = rejected_raw(lambda group: group[section].pop(key))
    assert message.startswith(f"parameter 'data_processing.{section}.{key}': is missing")
    assert "parameters_data_processing.yml" in message


def test_an_unknown_canonical_column_lists_the_known_ones():
    message = rejected({"column_mapping": {"order_total": "Total"}})
    assert message.startswith("parameter 'data_processing.column_mapping.order_total': ")
    assert "is not a known parameter" in message
    assert "invoice, stock_code, description, quantity" in message
