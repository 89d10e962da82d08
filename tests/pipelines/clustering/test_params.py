"""The ``clustering`` parameter rules: each bad value stops the run with one named line."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from customer_segmentation.pipelines.clustering.params import ClusteringParams
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    project_parameters,
    rejected_parameters,
)


def rules(**changes: Any) -> list[dict[str, Any]]:
    """The base naming rules with ``changes`` applied to the first one."""
    result = copy.deepcopy(load_parameters("clustering")["naming"]["rules"])
    result[0].update(changes)
    return result


check = functools.partial(rejected_parameters, "clustering")


def test_base_parameters_are_valid():
    params = project_parameters()["clustering"]
    assert isinstance(params, ClusteringParams)
    names = [rule.name for rule in params.naming.rules]
    for expected in (
        "Champions",
        "Loyal Regulars",
        "Occasional Buyers",
        "Lapsed / At Risk",
        "New Customers",
    ):
        assert expected in names
    assert params.naming.fallback.labels["monetary"].high == "High spend"
    assert params.kmeans.algorithm == "lloyd" and params.n_threads == 1


@pytest.mark.parametrize(
    ("clustering", "parameter", "problem"),
    [
        ({"stability": {"threshold": 1.2}}, "stability.threshold", "less than 1"),
        ({"stability": {"threshold": 0}}, "stability.threshold", "greater than 0"),
        ({"stability": {"n_bootstrap": 1}}, "stability.n_bootstrap", "greater than or equal to 2"),
        ({"stability": {"sample_size": 1}}, "stability.sample_size", "greater than or equal to 2"),
        ({"stability": {"random_state": -1}}, "stability.random_state", "greater than or equal"),
        ({"kmeans": {"algorithm": "fast"}}, "kmeans.algorithm", "'lloyd' or 'elkan'"),
        ({"kmeans": {"n_init": 0}}, "kmeans.n_init", "greater than or equal to 1"),
        ({"n_threads": 0}, "n_threads", "greater than or equal to 1"),
        ({"n_threads": 1.5}, "n_threads", "integer"),
        ({"relabel_by": " "}, "relabel_by", "must be a non-empty string"),
        ({"naming": {"high_z": 0}}, "naming.high_z", "greater than 0"),
        ({"naming": {"low_z": 0.5}}, "naming.low_z", "less than 0"),
        ({"naming": {"mid_band": 10}}, "naming.mid_band", "less than 10"),
    ],
)
def test_values_out_of_range_or_of_the_wrong_type_are_named(clustering, parameter, problem):
    message = check(clustering)
    assert f"parameter 'clustering.{parameter}'" in message and problem in message


@pytest.mark.parametrize(
    ("rule_changes", "parameter", "problem"),
    [
        ({"when": {"recency": "very low"}}, "rules.0.when.recency", "'high', 'low' or 'mid'"),
        ({"when": {}}, "rules.0.when", "has no 'when' conditions"),
        ({"actions": []}, "rules.0.actions", "must be a non-empty list of texts"),
        ({"actions": ["Call", " "]}, "rules.0.actions", "must be a non-empty list of texts"),
        ({"goal": "  "}, "rules.0.goal", "has no goal"),
        ({"name": ""}, "rules.0.name", "has no name"),
        ({"name": "Loyal Regulars"}, "rules", "names ['Loyal Regulars'] more than once"),
        # Excel cannot hold control characters: the workbook would fail after the model
        ({"name": "Big\x07Spenders"}, "rules.0.name", "contains the control character '\\x07'"),
        ({"actions": ["Call\x1b"]}, "rules.0.actions", "contains the control character"),
    ],
)
def test_bad_naming_rules_are_named(rule_changes, parameter, problem):
    message = check({"naming": {"rules": rules(**rule_changes)}})
    assert f"parameter 'clustering.naming.{parameter}'" in message and problem in message


def test_duplicated_rule_names_say_how_to_fix_them():
    message = check({"naming": {"rules": rules(name="Loyal Regulars")}})
    assert "Fix: give every rule its own name" in message


def test_no_rules_is_refused():
    message = check({"naming": {"rules": []}})
    assert "parameter 'clustering.naming.rules': must be a non-empty list of rules" in message


def test_a_rule_without_conditions_or_with_an_unknown_key_is_named():
    without_when = rules()
    del without_when[0]["when"]
    assert "parameter 'clustering.naming.rules.0.when': is missing" in check(
        {"naming": {"rules": without_when}}
    )
    message = check({"naming": {"rules": rules(action=["x"])}})
    assert "parameter 'clustering.naming.rules.0.action': is not a known parameter" in message
    assert "did you mean 'actions'" in message


def test_fallback_labels_need_a_high_and_a_low_label():
    labels = {"basket_entropy": {"high": "Varied baskets"}}
    message = check({"naming": {"fallback": {"labels": labels}}})
    assert "parameter 'clustering.naming.fallback.labels.basket_entropy.low': is missing" in message
    labels = {"monetary": {"high": "High spend", "low": "Low spend", "mid": "Some spend"}}
    message = check({"naming": {"fallback": {"labels": labels}}})
    assert "'clustering.naming.fallback.labels.monetary.mid': is not a known parameter" in message


def test_average_and_fallback_blocks_need_goal_and_actions():
    message = check({"naming": {"average": {"name": " "}}})
    assert "parameter 'clustering.naming.average.name': has no name" in message
    message = check({"naming": {"fallback": {"actions": []}}})
    assert "parameter 'clustering.naming.fallback.actions': must be a non-empty list" in message


def test_a_misspelled_or_missing_key_is_named():
    message = check({"n_thread": 2})
    assert "parameter 'clustering.n_thread': is not a known parameter" in message
    assert "did you mean 'n_threads'" in message
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    del raw["clustering"]["stability"]["threshold"]
    with pytest.raises(InputValidationError) as error:
        check_parameters(raw, PARAMETER_GROUPS)
    assert "parameter 'clustering.stability.threshold': is missing" in str(error.value)


def test_n_threads_may_be_null():
    assert project_parameters({"clustering": {"n_threads": None}})["clustering"].n_threads is None
