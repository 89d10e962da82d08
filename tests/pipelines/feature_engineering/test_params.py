"""The ``feature_engineering`` parameter rules: each bad value names its parameter on one line."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import pytest
import yaml

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.feature_engineering.params import FeatureEngineeringParams
from customer_segmentation.snapshot import as_snapshot_date
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    one_line,
    rejected_parameters,
    rejected_raw_parameters,
    typed_parameters,
)

SEGMENTS = load_parameters("feature_engineering")["rfm"]["segments"]


rejected = functools.partial(rejected_parameters, "feature_engineering")
rejected_raw = functools.partial(rejected_raw_parameters, "feature_engineering")


def test_base_parameters_are_valid():
    params = typed_parameters("feature_engineering")
    assert isinstance(params, FeatureEngineeringParams)
    assert params.snapshot_date is None
    assert params.rfm.n_bins == 5
    assert len({rule.name for rule in params.rfm.segments}) == 11
    assert "return_rate" not in params.model.features
    assert params.model.cap_quantiles == (0.0, 0.99)


@pytest.mark.parametrize("env", ["test", "online_retail_ii"])
def test_every_environment_is_valid(env):
    overrides = yaml.safe_load((PROJECT_ROOT / "conf" / env / "parameters.yml").read_text())
    params = typed_parameters("feature_engineering", overrides.get("feature_engineering", {}))
    assert isinstance(params, FeatureEngineeringParams)


@pytest.mark.parametrize("value", ["2011-12-10", dt.date(2011, 12, 10), " 2011-12-10 "])
def test_the_snapshot_date_is_a_date_or_iso_text(value):
    params = typed_parameters("feature_engineering", {"snapshot_date": value})
    assert params.snapshot_date == dt.date(2011, 12, 10)
    # the plain value data_processing reads is read the same way
    assert as_snapshot_date(value) == dt.date(2011, 12, 10)
    assert as_snapshot_date(None) is None


def test_the_snapshot_date_as_plain_value_keeps_the_message():
    with pytest.raises(InputValidationError) as error:
        as_snapshot_date("10/12/2011")
    message = one_line(error.value)
    assert message.startswith("parameter 'feature_engineering.snapshot_date': ")
    assert "'10/12/2011' is not an ISO date (YYYY-MM-DD)" in message


def broken_hole(rules: list[dict]) -> list[dict]:
    return rules[1:]  # Champions removed: R=5, FM=4 has no name


def broken_overlap(rules: list[dict]) -> list[dict]:
    return [*rules, {"name": "Twice", "r": [5, 5], "fm": [5, 5]}]


@pytest.mark.parametrize(
    ("overrides", "parameter", "problem"),
    [
        ({"snapshot_date": "10/12/2011"}, "snapshot_date", "'10/12/2011' is not an ISO date (YYYY-MM-DD)"),
        ({"snapshot_date": "2011-02-30"}, "snapshot_date", "is not an ISO date"),
        ({"snapshot_date": [2011, 12, 10]}, "snapshot_date", "valid date"),
        ({"rfm": {"n_bins": 1}}, "rfm.n_bins", "greater than or equal to 2"),
        ({"rfm": {"n_bins": 10}}, "rfm.n_bins", "less than or equal to 9"),
        (
            {"rfm": {"segments": broken_hole(SEGMENTS)}},
            "rfm.segments",
            "score cell R=5, FM=4 matches 0 segments []; every cell must match exactly one",
        ),
        (
            {"rfm": {"segments": broken_overlap(SEGMENTS)}},
            "rfm.segments",
            "score cell R=5, FM=5 matches 2 segments ['Champions', 'Twice']",
        ),
        # n_bins 4 with rules written for 5: every cell of 4 is named, but Champions is unreachable
        ({"rfm": {"n_bins": 4}}, "rfm.segments", "segment 'Champions' has a score above n_bins (4)"),
        (
            {"rfm": {"segments": [{**SEGMENTS[0], "r": [5, 4]}, *SEGMENTS[1:]]}},
            "rfm.segments.0.r",
            "range [5, 4] of segment 'Champions' must satisfy 1 <= low <= high",
        ),
        ({"rfm": {"segments": [{**SEGMENTS[0], "fm": [0, 5]}, *SEGMENTS[1:]]}}, "rfm.segments.0.fm", "1 <= low"),
        # a range of one score: its second entry (index 1) is missing
        ({"rfm": {"segments": [{**SEGMENTS[0], "r": [5]}, *SEGMENTS[1:]]}}, "rfm.segments.0.r.1", "is missing"),
        ({"rfm": {"segments": [{**SEGMENTS[0], "name": ""}, *SEGMENTS[1:]]}}, "rfm.segments.0.name", "at least 1"),
        ({"rfm": {"segments": []}}, "rfm.segments", "at least 1 item"),
        (
            {"model": {"features": ["recency", "lifetime_value"]}},
            "model.features",
            "feature(s) ['lifetime_value'] are not in the customer table",
        ),
        ({"model": {"log1p_features": ["monetry"]}}, "model.log1p_features", "['monetry'] are not in the customer table"),
        ({"model": {"features": ["recency", "recency"]}}, "model.features", "['recency'] are listed more than once"),
        ({"model": {"features": []}}, "model.features", "at least 1 item"),
        (
            {"model": {"cap_quantiles": [0.9, 0.1]}},
            "model.cap_quantiles",
            "cap quantiles [0.9, 0.1] must satisfy 0 <= lower < upper <= 1",
        ),
        ({"model": {"cap_quantiles": [0.0, 1.5]}}, "model.cap_quantiles", "0 <= lower < upper <= 1"),
        ({"model": {"cap_quantiles": [0.0, 0.5, 0.9]}}, "model.cap_quantiles", "2 items"),
    ],
)  # fmt: skip
def test_each_rule_names_the_parameter(overrides, parameter, problem):
    message = rejected(overrides)
    assert message.startswith(f"parameter 'feature_engineering.{parameter}': ")
    assert problem in message


def test_unknown_features_list_the_available_ones():
    message = rejected({"model": {"features": ["lifetime_value"]}})
    assert "available: ['recency', 'frequency', 'monetary'" in message
    assert "Fix: edit feature_engineering.model.features / log1p_features in" in message


@pytest.mark.parametrize(
    ("path", "wrong", "right"),
    [
        ((), "snapshot", "snapshot_date"),
        (("rfm",), "nbins", "n_bins"),
        (("model",), "log_features", "log1p_features"),
    ],
)
def test_a_misspelled_key_is_named_with_the_right_spelling(path, wrong, right):
    def misspell(group: dict[str, Any]) -> None:
        for key in path:
            group = group[key]
        group[wrong] = group.pop(right)

    message = rejected_raw(misspell)
    name = ".".join(["feature_engineering", *path, wrong])
    assert message.startswith(f"parameter '{name}': is not a known parameter")
    assert f"did you mean '{right}'" in message


def test_a_misspelled_key_of_a_segment_is_named():
    def misspell(group: dict[str, Any]) -> None:
        group["rfm"]["segments"][2]["rr"] = group["rfm"]["segments"][2].pop("r")

    message = rejected_raw(misspell)
    assert message.startswith("parameter 'feature_engineering.rfm.segments.2.rr': ")
    assert "did you mean 'r'" in message


@pytest.mark.parametrize(
    "path",
    [("snapshot_date",), ("rfm", "n_bins"), ("model", "cap_quantiles")],
)
def test_a_missing_key_is_named(path):
    def remove(group: dict[str, Any]) -> None:
        *parents, key = path
        for parent in parents:
            group = group[parent]
        del group[key]

    message = rejected_raw(remove)
    name = ".".join(["feature_engineering", *path])
    assert message.startswith(f"parameter '{name}': is missing")
    assert "parameters_feature_engineering.yml" in message
