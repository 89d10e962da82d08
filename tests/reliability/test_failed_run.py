"""A run that fails half-way leaves the previous run's outputs as they were."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import copy_project, kedro_env, run_kedro
from tests.reliability.test_bad_input import set_parameter

pytestmark = pytest.mark.slow

#: Layers of the versioned outputs: models, segment assignments, reports and plots.
VERSIONED_LAYERS = ("06_models", "07_model_output", "08_reporting")


def versioned_files(project: Path) -> dict[Path, str]:
    """Every file of the versioned layers and the SHA-256 of its bytes."""
    return {
        path.relative_to(project): hashlib.sha256(path.read_bytes()).hexdigest()
        for layer in VERSIONED_LAYERS
        for path in sorted((project / "data" / layer).rglob("*"))
        if path.is_file() and path.suffix != ".db"  # the Optuna study is shared, not versioned
    }


def versions(project: Path, dataset_path: str) -> list[str]:
    """The save versions of a versioned dataset (its folder holds one folder per run)."""
    return sorted(path.name for path in (project / dataset_path).iterdir())


def test_a_run_failing_in_reporting_keeps_the_last_good_outputs(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    run_kedro(project, "run", "--env", "test")
    good = versioned_files(project)
    assert any("segment_report" in str(path) for path in good)
    # the latest copies are among the files the failed run must leave as they were
    assert Path("data/08_reporting/latest/segment_report.html") in good

    # A profile feature the data does not have: only reporting can see it, after the model
    # and the segments of this run have been saved.
    set_parameter(project, "reporting.profile_features", ["recency", "lifetime_value"])
    # wide log lines, so each message stays on one line of the captured output
    failed = run_kedro(project, "run", "--env", "test", check=False, env=kedro_env(COLUMNS="1000"))
    assert failed.returncode == 1
    assert "lifetime_value" in failed.stderr

    log = failed.stdout + failed.stderr
    # the failed run got as far as saving a new model (so the test is not vacuous): the node
    # that writes it completed (Kedro saves a node's outputs before it logs the node done) ...
    assert "Completed node: package_segmentation_model" in log
    # ... and removed every version it had written, so the good run's are the newest
    assert "The run failed: removed the" in log
    assert versioned_files(project) == good
    assert len(versions(project, "data/06_models/segmentation_model.pkl")) == 1
    assert len(versions(project, "data/08_reporting/segment_report.html")) == 1
