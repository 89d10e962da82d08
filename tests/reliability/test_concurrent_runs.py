"""One run at a time per data root: a second run stops at once; a dead run's lock is taken over."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from customer_segmentation.run_guard.lock import LOCK_NAME
from tests.conftest import copy_project, kedro_command, kedro_env, latest, run_kedro
from tests.reliability.test_bad_input import set_parameter

pytestmark = pytest.mark.slow

SEGMENTS = Path("data/07_model_output/customer_segments.parquet")
MODEL = Path("data/06_models/segmentation_model.pkl")
PLANTED = Path("data/01_raw/planted_segments_test.csv")


def wait_for(condition, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        assert process is None or process.poll() is None, "the run ended too early"
        time.sleep(0.05)


def dead_pid() -> int:
    """The pid of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def version_folders(project: Path) -> dict[Path, list[str]]:
    """Every versioned dataset folder (under the versioned layers) and its versions."""
    folders = {}
    for layer in ("06_models", "07_model_output", "08_reporting"):
        for path in (project / "data" / layer).rglob("*"):
            if path.is_dir() and path.suffix and any(child.is_dir() for child in path.iterdir()):
                folders[path.relative_to(project)] = sorted(c.name for c in path.iterdir())
    return folders


def test_a_second_run_stops_at_once_while_one_runs(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    # ~3,000 bootstrap refits keep the first run busy for a while after it takes the lock
    set_parameter(project, "clustering.stability.n_bootstrap", 3000)
    log = (tmp_path / "first.log").open("w")
    first = subprocess.Popen(
        kedro_command("run", "--env", "test"),
        cwd=project,
        env=kedro_env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        lock = project / "data" / LOCK_NAME
        wait_for(lock.exists, timeout=180, process=first)
        holder = json.loads(lock.read_text())
        assert holder["pid"] == first.pid
        assert holder["env"] == "test"

        # the same environment, then another one writing to the same data/ folder
        for env_args in (("--env", "test"), ()):
            started = time.monotonic()
            second = run_kedro(project, "run", *env_args, check=False, timeout=180)
            assert second.returncode == 1, second.stdout[-2000:] + second.stderr[-2000:]
            lines = [line for line in second.stderr.splitlines() if line.strip()]
            assert len(lines) == 1, second.stderr
            assert lines[0].startswith(f"Error: another kedro run (pid {first.pid}, env test")
            assert "is using data/" in lines[0]
            assert "Fix: wait for it to finish" in lines[0]
            assert time.monotonic() - started < 120
            # the runs overlapped: the first still holds the lock
            assert first.poll() is None, "the first run ended before the second was refused"
            assert json.loads(lock.read_text())["pid"] == first.pid

        assert first.wait(timeout=600) == 0, (tmp_path / "first.log").read_text()[-3000:]
    finally:
        if first.poll() is None:
            first.kill()
        log.close()

    assert not lock.exists()
    # only the first run wrote anything: one version of every result, the test data's customers
    folders = version_folders(project)
    assert folders and all(versions == [holder["save_version"]] for versions in folders.values())
    segments = pd.read_parquet(latest(project / SEGMENTS))
    planted = pd.read_csv(project / PLANTED, dtype={"customer_id": str})
    assert set(segments["customer_id"]) == set(planted["customer_id"])
    assert len(segments) == len(planted)


def test_the_lock_of_a_dead_run_is_taken_over_with_a_warning(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    pid = dead_pid()
    killed_version = "2026-01-31T23.59.59.999Z"
    # what a killed run leaves: its lock, and a cut-off file as the newest model version
    partial = project / MODEL / killed_version / MODEL.name
    partial.parent.mkdir(parents=True)
    partial.write_bytes(b"\x80\x05truncated")
    lock = project / "data" / LOCK_NAME
    lock.write_text(
        json.dumps(
            {
                "pid": pid,
                "host": socket.gethostname(),
                "env": "test",
                "pipelines": [],
                "started": "2026-01-31T23:59:59",
                "save_version": killed_version,
            }
        )
    )

    result = run_kedro(project, "run", "--env", "test", env=kedro_env(COLUMNS="1000"))

    output = " ".join(result.stdout.split())
    assert f"The kedro run (pid {pid}, env test, started 2026-01-31 23:59:59) ended without" in (
        output
    )
    assert f"Removed 1 partial output version(s) of its save version {killed_version}" in output
    assert "WARNING" in result.stdout
    assert not (project / MODEL / killed_version).exists()
    assert not lock.exists()
    assert len(list((project / MODEL).iterdir())) == 1
