"""A killed or failed run leaves no partial output as the newest version, and no half-rewritten
intermediates that a partial run would read."""

from __future__ import annotations

import json
import resource
import signal
import subprocess
from pathlib import Path

import pytest

from customer_segmentation.run_guard.lock import LOCK_NAME
from customer_segmentation.run_guard.outputs import INCOMPLETE_NAME
from tests.conftest import copy_project, kedro_command, kedro_env, run_kedro
from tests.reliability.test_bad_input import set_parameter
from tests.reliability.test_concurrent_runs import version_folders, wait_for
from tests.reliability.test_failed_run import versioned_files

pytestmark = pytest.mark.slow

MODEL = Path("data/06_models/segmentation_model.pkl")
WIDE = {"COLUMNS": "1000"}  # Rich wraps log lines at the terminal width otherwise


def start_run(project: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        kedro_command("run", "--env", "test", *args),
        cwd=project,
        env=kedro_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill(run: subprocess.Popen) -> None:
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=60)


def paths_named(project: Path, name: str) -> list[Path]:
    return list((project / "data").rglob(name))


def test_a_killed_run_leaves_nothing_newer_than_the_last_finished_run(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    # a few hundred bootstrap refits: clustering lasts long enough to be killed in it
    set_parameter(project, "clustering.stability.n_bootstrap", 300)
    run_kedro(project, "run", "--env", "test")
    good = version_folders(project)
    assert good and all(len(versions) == 1 for versions in good.values())

    killed = start_run(project)
    try:
        lock = project / "data" / LOCK_NAME
        wait_for(lock.exists, timeout=180, process=killed)
        killed_version = json.loads(lock.read_text())["save_version"]
        # killed in clustering: it has saved a new model (and the data-quality summary ...)
        wait_for((project / MODEL / killed_version).exists, timeout=300, process=killed)
    finally:
        kill(killed)
    left = paths_named(project, killed_version)
    assert left, "the killed run wrote nothing"
    assert lock.exists(), "a killed run cannot release its lock"

    # --verbose: the log has every dataset save (conf/logging.yml leaves them out otherwise)
    third = run_kedro(project, "run", "--env", "test", "--verbose", env=kedro_env(**WIDE))
    log = " ".join(third.stdout.split())
    warning = f"Removed {len(left)} partial output version(s) of its save version {killed_version}"
    assert warning in log
    # removed before the run wrote anything
    assert log.index(warning) < log.index("Saving data to")
    assert paths_named(project, killed_version) == []
    assert not lock.exists()

    after = version_folders(project)
    assert after.keys() == good.keys()
    newest = {versions[-1] for versions in after.values()}
    assert len(newest) == 1, "every newest version is the third run's"
    for folder, versions in after.items():
        assert versions == [*good[folder], *newest], folder


def test_a_run_failing_in_a_node_leaves_no_new_version(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    run_kedro(project, "run", "--env", "test")
    good = versioned_files(project)

    # A profile feature the data does not have: reporting fails after the model and the
    # segments of this run have been saved.
    set_parameter(project, "reporting.profile_features", ["recency", "lifetime_value"])
    failed = run_kedro(project, "run", "--env", "test", check=False, env=kedro_env(**WIDE))
    assert failed.returncode == 1
    assert "lifetime_value" in failed.stderr
    removed = " ".join(failed.stdout.split())
    assert "The run failed: removed the" in removed  # it had written versions

    assert versioned_files(project) == good
    assert not (project / "data" / LOCK_NAME).exists()
    # the intermediates were all rewritten before reporting failed: nothing is in doubt, and
    # a partial run may read them
    assert not (project / "data" / INCOMPLETE_NAME).exists()
    set_parameter(project, "reporting.profile_features", ["recency", "frequency"])
    run_kedro(project, "run", "--env", "test", "--pipelines", "clustering")


def test_a_partial_run_refuses_intermediates_a_killed_run_half_rewrote(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    run_kedro(project, "run", "--env", "test")

    killed = start_run(project)
    record = project / "data" / INCOMPLETE_NAME
    try:
        # written just before the first intermediate is overwritten
        wait_for(record.exists, timeout=180, process=killed)
    finally:
        kill(killed)
    assert record.exists()

    refused = run_kedro(project, "run", "--env", "test", "--pipelines", "clustering", check=False)
    assert refused.returncode == 1, refused.stdout[-2000:]
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.stderr
    assert lines[0].startswith("Error: dataset '")
    assert "left half-rewritten by the run" in lines[0]
    assert "Fix: re-run from data_processing first: `kedro run --env test`" in lines[0]
    assert not (project / "data" / LOCK_NAME).exists()

    # the full run rebuilds every intermediate: partial runs may read them again
    run_kedro(project, "run", "--env", "test")
    assert not record.exists()
    run_kedro(project, "run", "--env", "test", "--pipelines", "clustering")


def test_a_write_failing_half_way_leaves_no_partial_file_as_the_newest(tmp_path: Path):
    """A full disk, as the operating system reports it to a writer: the write fails part way.

    The run's file-size limit (``ulimit -f``) makes every write beyond it fail with "File too
    large", as a full disk fails with "No space left": the HTML report, the largest output,
    cannot be written whole, after the models, plots and workbook were.
    """
    project = copy_project(tmp_path / "project")
    run_kedro(project, "run", "--env", "test")
    good = versioned_files(project)
    report = max(good, key=lambda path: (project / path).stat().st_size)
    assert report.name == "segment_report.html"
    second = max((project / path).stat().st_size for path in good if path != report)
    limit = (second + (project / report).stat().st_size) // 2

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    failed = subprocess.run(
        kedro_command("run", "--env", "test"),
        cwd=project,
        env=kedro_env(**WIDE),
        capture_output=True,
        text=True,
        timeout=900,
        preexec_fn=limit_file_size,
        check=False,
    )
    assert failed.returncode == 1
    errors = [line for line in failed.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, failed.stderr
    assert errors[0].startswith("Error: dataset 'segment_report': the file grew beyond the size")
    assert "ulimit -f" in errors[0] and "catalog.yml" not in errors[0]
    # every version of this run is gone, the half-written report first: the last good run's
    # outputs are the newest, and no file anywhere is empty
    assert versioned_files(project) == good
    assert [
        path for path in (project / "data").rglob("*") if path.is_file() and not path.stat().st_size
    ] == []
    assert not (project / "data" / LOCK_NAME).exists()
