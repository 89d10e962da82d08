"""Unit tests of the customer_table nodes on small in-memory customer tables."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.customer_table import nodes

from .conftest import CATEGORICAL, NUMERIC, raw_table, tiny_table, typed_params


def prepared(raw: pd.DataFrame, **overrides):
    settings = typed_params(**overrides)
    features, rejected = nodes.prepare_customers(raw, settings)
    return settings, features, rejected


# ---- rows: errors ------------------------------------------------------------------------


def test_declared_column_missing_names_the_column_and_the_parameter_file():
    raw = tiny_table().drop(columns="city")
    with pytest.raises(InputValidationError) as error:
        prepared(raw)
    message = str(error.value)
    assert "dataset 'raw_customers', column 'city'" in message
    assert "customer_table.categorical_columns in conf/<env>/parameters_customer_table.yml" in (
        message
    )
    assert "'customer_id'" in message  # the columns present are listed


def test_duplicate_ids_name_the_dataset_and_a_few_ids():
    raw = tiny_table()
    raw.loc[1, "customer_id"] = "C1"
    raw.loc[3, "customer_id"] = " C3 "  # same id once stripped
    with pytest.raises(InputValidationError) as error:
        prepared(raw)
    message = str(error.value)
    assert "dataset 'raw_customers', column 'customer_id'" in message
    assert "2 customer id(s) appear on more than one row (4 rows), e.g. ['C1', 'C3']" in message


def test_non_numeric_values_beyond_the_threshold_stop_the_run():
    raw = tiny_table()
    raw.loc[[0, 1], "age"] = ["forty", "n/k"]
    with pytest.raises(InputValidationError) as error:
        prepared(raw, parsing__max_unparseable_share=0.2)
    message = str(error.value)
    assert "dataset 'raw_customers', column 'age'" in message
    assert "2 of 7 values (28.6%) are not numbers, e.g. ['forty', 'n/k']" in message


def test_non_numeric_values_below_the_threshold_are_rejected_with_a_reason(caplog):
    raw = tiny_table()
    raw.loc[2, "age"] = "unknown"
    with caplog.at_level(logging.WARNING):
        _, features, rejected = prepared(raw, parsing__max_unparseable_share=0.2)
    assert "1 row(s) with a non-numeric age go to rejected_customers" in caplog.text
    assert "C3" not in set(features["customer_id"])
    by_id = rejected.set_index("customer_id", drop=False)
    assert by_id.loc["C3", "reason"] == "unparseable_age"
    assert by_id.loc["C3", "age"] == "unknown"  # kept exactly as read


@pytest.mark.parametrize(
    ("column", "values", "problem"),
    [
        ("annual_income", None, "is missing in all 7 kept rows"),
        ("spending_score", "50", "has one value (50) in all kept rows"),
        ("occupation", None, "is missing in all 7 kept rows"),
        ("gender", "Female", "has one value ('Female') in all kept rows"),
    ],
)
def test_all_missing_or_constant_columns_are_named(column, values, problem):
    raw = tiny_table()
    raw[column] = values
    with pytest.raises(InputValidationError) as error:
        prepared(raw)
    message = str(error.value)
    assert f"column '{column}'" in message and problem in message
    assert "conf/<env>/parameters_customer_table.yml" in message


def test_no_rows_and_no_usable_rows_stop_the_run():
    with pytest.raises(InputValidationError, match="dataset 'raw_customers': has no rows"):
        prepared(tiny_table().iloc[0:0])
    without_ids = tiny_table().assign(customer_id=None)
    with pytest.raises(InputValidationError, match=r"every row was rejected.*missing_customer_id"):
        prepared(without_ids)


# ---- rows: what is kept ------------------------------------------------------------------


def test_rows_without_id_are_rejected_and_no_row_is_lost():
    raw, _ = raw_table(rows=400)
    raw.loc[[5, 17], "customer_id"] = ["  ", None]
    settings, features, rejected = prepared(raw)
    assert len(features) + len(rejected) == len(raw)
    assert rejected["reason"].value_counts().get("missing_customer_id", 0) >= 2
    assert features["customer_id"].is_unique and features["customer_id"].is_monotonic_increasing
    assert set(features.columns) == {"customer_id", *NUMERIC, *CATEGORICAL}
    summary = nodes.summarise_data_quality(raw, features, rejected)
    assert summary["raw_rows"] == len(raw)
    assert summary["kept_rows"] + summary["rejected_rows"] == summary["raw_rows"]
    assert sum(summary["rejected_by_reason"].values()) == summary["rejected_rows"]
    assert summary["customers"] == len(features)
    assert summary["missing_values"]["occupation"] == int(features["occupation"].isna().sum()) > 0


def test_a_lost_row_is_detected_on_what_was_written():
    raw = tiny_table()
    settings, features, rejected = prepared(raw)
    with pytest.raises(RuntimeError, match="8 rows read but 6 kept \\+ 1 rejected"):
        nodes.summarise_data_quality(raw, features.iloc[1:], rejected)


def test_types_ids_and_separators_are_parsed():
    raw = tiny_table()
    raw["customer_id"] = ["1.0", "2", "3.00", "4", None, "6", "7", "8"]
    raw["annual_income"] = ["21.000,5", "88.000", None, "91.000", "50.000", "25.000", "3", "6"]
    _, features, _ = prepared(raw, parsing__decimal_separator=",", parsing__thousands_separator=".")
    assert features["customer_id"].tolist() == ["1", "2", "3", "4", "6", "7", "8"]
    assert features["annual_income"].tolist()[:2] == [21000.5, 88000.0]
    assert features["annual_income"].isna().sum() == 1  # missing stays missing (imputed later)
    assert features["age"].dtype == "float64"
    assert pd.api.types.is_string_dtype(features["city"]) and features["city"].isna().sum() == 1


# ---- model input -------------------------------------------------------------------------


def test_model_input_caps_and_logs_numbers_and_keeps_categories_as_text():
    raw, _ = raw_table(rows=400)
    settings, features, _ = prepared(raw, model__cap_quantiles=[0.0, 0.9])
    model_input, transforms = nodes.build_customer_model_input(features, settings)
    assert list(model_input.columns) == ["customer_id", *NUMERIC, *CATEGORICAL]
    cap = transforms["caps"]["annual_income"]["upper"]
    assert cap == pytest.approx(features["annual_income"].quantile(0.9))
    assert model_input["annual_income"].max() == pytest.approx(np.log1p(cap))
    assert model_input["age"].max() == pytest.approx(features["age"].quantile(0.9))
    for column in NUMERIC:  # missing values are left for the model's imputer
        assert model_input[column].isna().sum() == features[column].isna().sum()
    for column in CATEGORICAL:
        assert pd.api.types.is_string_dtype(model_input[column])
        pd.testing.assert_series_equal(model_input[column], features[column])
    assert transforms["numeric_features"] == NUMERIC
    assert transforms["categorical_features"] == CATEGORICAL
    assert transforms["log1p_features"] == ["annual_income"]
    assert transforms["imputation"]["numeric"] == "median"
    assert set(transforms["caps"]) == set(NUMERIC)


def test_model_features_can_leave_declared_columns_to_the_report_only():
    settings, features, _ = prepared(
        tiny_table(), model__features=["age", "spending_score", "city"]
    )
    model_input, transforms = nodes.build_customer_model_input(features, settings)
    assert list(model_input.columns) == ["customer_id", "age", "spending_score", "city"]
    assert transforms["categorical_features"] == ["city"]
    assert "gender" in features  # still profiled
