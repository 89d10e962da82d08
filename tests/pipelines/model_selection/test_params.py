"""The ``model_selection`` parameter rules: each bad value names its parameter on one line."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
import yaml

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import SCALER_NAMES, make_scaler
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import (
    load_parameters,
    project_parameters,
    rejected_parameters,
)

from .conftest import small_params, small_settings

rejected = functools.partial(rejected_parameters, "model_selection")


def test_default_parameters_are_valid_and_match_the_issue():
    raw = yaml.safe_load((PROJECT_ROOT / "conf/base/parameters_model_selection.yml").read_text())
    assert list(raw) == ["model_selection"]
    params = ModelSelectionParams.model_validate(load_parameters("model_selection"))
    assert params.k_values == list(range(2, 11))
    assert params.forced_k is None and params.largest_k == 10
    assert params.study.n_trials == 100 and params.study.sampler == "auto"
    assert params.uses_grid and params.search_space_size == 54  # 6 scalers x K 2..10
    assert params.study.storage == "sqlite:///data/06_models/optuna_study.db"
    assert params.study.timeout_s == 600.0
    assert params.sampling.silhouette_sample_size == 2000
    assert params.sampling.silhouette_samples == 5
    assert params.selection.policy == "largest_stable_k"
    assert params.scalers == tuple(SCALER_NAMES)


def test_derived_values():
    params = small_settings(forced_k=3)
    assert params.k_values == [2, 3, 4, 5, 6]
    assert params.largest_k == 3
    assert small_settings().largest_k == 6
    assert params.scalers == tuple(small_params()["scalers"])


@pytest.mark.parametrize(
    ("overrides", "parameter", "problem"),
    [
        ({"k_range": {"min": 8, "max": 3}}, "k_range", "K range is reversed (min 8 > max 3)"),
        ({"k_range": {"min": 1}}, "k_range.min", "greater than or equal to 2"),
        ({"forced_k": 12}, "forced_k", "is 12, outside the K range 2..10"),
        ({"forced_k": 1}, "forced_k", "is 1, outside the K range 2..10"),
        ({"min_segment_share": 0.0}, "min_segment_share", "greater than 0"),
        ({"min_segment_share": 1.5}, "min_segment_share", "less than 1"),
        # 0.2 * 10 clusters > 1
        ({"min_segment_share": 0.2}, "min_segment_share", "10 clusters of at least that share"),
        ({"scalers": ["standard", "zscore"]}, "scalers", "contains unknown scaler 'zscore'"),
        ({"scalers": []}, "scalers", "must be a non-empty list of scaler names"),
        ({"scalers": ["standard", "standard"]}, "scalers", "lists a scaler twice"),
        ({"default_scaler": "log"}, "default_scaler", "is 'log', not one of standard"),
        ({"scoring_space": "raw"}, "scoring_space", "'standardized' or 'scaled'"),
        ({"sampling": {"seed": -1}}, "sampling.seed", "greater than or equal to 0"),
        (
            {"sampling": {"search_sample_size": 5}},
            "sampling.search_sample_size",
            "is 5, below the largest K 10",
        ),
        (
            {"sampling": {"min_rows_per_cluster": 300}},
            "sampling.min_rows_per_cluster",
            "10 clusters of that many rows need 3000 rows",
        ),
        ({"selection": {"policy": "best"}}, "selection.policy", "'largest_stable_k' or"),
        ({"selection": {"tolerance": 1.5}}, "selection.tolerance", "less than 1"),
        ({"study": {"sampler": "random"}}, "study.sampler", "'auto', 'grid' or 'tpe'"),
        ({"n_threads": 0}, "n_threads", "greater than or equal to 1"),
        ({"kmeans": {"n_init": 0}}, "kmeans.n_init", "greater than or equal to 1"),
        ({"kmeans": {"algorithm": "auto"}}, "kmeans.algorithm", "'lloyd' or 'elkan'"),
        ({"study": {"n_trials": "many"}}, "study.n_trials", "'many'"),
        ({"study": {"timeout_s": -5}}, "study.timeout_s", "greater than 0"),
        ({"study": {"study_name": ""}}, "study.study_name", "at least 1 character"),
        ({"study": {"n_startup_trials": -1}}, "study.n_startup_trials", "greater than or equal"),
    ],
)
def test_bad_parameters_name_the_parameter(overrides: dict[str, Any], parameter: str, problem):
    message = rejected(overrides)
    assert f"parameter 'model_selection.{parameter}': " in message
    assert problem in message


def test_reversed_range_and_share_keep_their_fix():
    assert "Fix: set k_range.min <= k_range.max" in rejected({"k_range": {"min": 8, "max": 3}})
    message = rejected({"min_segment_share": 0.2})
    assert "need 200% of customers" in message
    assert "Fix: set min_segment_share <= 0.1000 or lower the largest K" in message
    message = rejected({"forced_k": 12})
    assert "Fix: set forced_k between 2 and 10, widen k_range, or set it to null" in message


def test_min_share_is_checked_against_forced_k_not_the_range():
    # 0.2 * 10 > 1, but only K=4 is searched: 0.2 * 4 <= 1
    assert project_parameters({"model_selection": {"min_segment_share": 0.2, "forced_k": 4}})
    message = rejected({"min_segment_share": 0.3, "forced_k": 4})
    assert re.search(r"'model_selection\.min_segment_share': is 0\.3, but 4 clusters", message)


def test_optional_values_may_be_null():
    params = project_parameters(
        {"model_selection": {"n_threads": None, "study": {"storage": None, "timeout_s": None}}}
    )["model_selection"]
    assert params.n_threads is None
    assert params.study.storage is None and params.study.timeout_s is None


def test_misspelled_key_is_named_with_the_right_spelling():
    message = rejected({"sampling": {"sead": 1}})
    assert "parameter 'model_selection.sampling.sead': is not a known parameter" in message
    assert "did you mean 'seed'" in message


def test_missing_parameter_is_named():
    raw = {group: load_parameters(group) for group in PARAMETER_GROUPS}
    del raw["model_selection"]["sampling"]["seed"]
    with pytest.raises(
        InputValidationError, match=r"'model_selection\.sampling\.seed': is missing"
    ):
        check_parameters(raw, PARAMETER_GROUPS)


def test_unknown_scaler_lists_the_valid_names():
    message = rejected({"scalers": ["zscore"]})
    assert "zscore" in message
    assert all(name in message for name in SCALER_NAMES)
    with pytest.raises(InputValidationError, match="parameter 'scaler'"):
        make_scaler("zscore")
