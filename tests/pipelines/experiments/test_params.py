"""The ``experiments`` group: names, the chosen experiment, and each experiment's changes."""

from __future__ import annotations

import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.experiment_pipelines import check_experiments
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    merged,
    one_line,
    rejected_parameters,
    typed_parameters,
)

THREE = {
    "chosen": "baseline",
    "run": {
        "baseline": {},
        "gaussian_mixture": {"model_selection": {"algorithm": {"name": "gaussian_mixture"}}},
        "value_only": {"features": ["recency", "frequency", "monetary"]},
    },
}


def test_the_default_is_one_experiment_with_the_runs_own_settings():
    params = typed_parameters("experiments")
    assert params.chosen == "baseline" and list(params.run) == ["baseline"]
    spec = params.run["baseline"]
    assert spec.features is None and spec.model_selection == {}


def test_three_experiments_validate_in_order():
    params = typed_parameters("experiments", THREE)
    assert list(params.run) == ["baseline", "gaussian_mixture", "value_only"]
    assert params.run["value_only"].features == ("recency", "frequency", "monetary")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"chosen": "gmm"}, "experiments.chosen': is 'gmm', not one of the experiments"),
        ({"run": {"Bad-Name": {}}}, "has experiment name 'Bad-Name'"),
        ({"run": {"baseline": {"features": []}}}, "is an empty list"),
        ({"run": {"baseline": {"features": ["recency", "recency"]}}}, "lists ['recency'] twice"),
        ({"run": {"baseline": {"algorithm": "gmm"}}}, "is not a known parameter"),
    ],
)
def test_a_bad_experiment_is_one_line(changes, words):
    message = rejected_parameters("experiments", changes)
    assert words in message, message


def _raw(experiments: dict) -> dict:
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    raw["experiments"] = merged(raw["experiments"], experiments)
    return raw


def test_each_experiments_changes_obey_model_selections_rules():
    check_experiments(_raw(THREE))
    bad = {"run": {"narrow": {"model_selection": {"k_range": {"min": 5, "max": 3}}}}}
    with pytest.raises(InputValidationError) as error:
        check_experiments(_raw(bad))
    message = one_line(error.value)
    assert message.startswith("parameter 'experiments.run.narrow.model_selection.k_range")
    assert "experiments.run.narrow.model_selection in parameters_experiments.yml" in message
    unknown = {"run": {"typo": {"model_selection": {"algorithm": {"name": "dbscan"}}}}}
    with pytest.raises(InputValidationError, match=r"experiments\.run\.typo\.model_selection"):
        check_experiments(_raw(unknown))


def test_an_experiment_keeps_the_feature_that_numbers_the_clusters():
    without = {"run": {"frequent": {"features": ["recency", "frequency"]}}}
    with pytest.raises(InputValidationError) as error:
        check_experiments(_raw(without))
    message = one_line(error.value)
    assert message.startswith(
        "parameter 'experiments.run.frequent.features': leaves out 'monetary'"
    )
    assert "clustering.relabel_by: size" in message
    by_size = _raw(without)
    by_size["clustering"]["relabel_by"] = "size"
    check_experiments(by_size)
