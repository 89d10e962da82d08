"""Same data, config and seed: byte-identical segments, whichever Kedro runner runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import copy_project

pytestmark = pytest.mark.slow

SEGMENTS = Path("data/07_model_output/customer_segments.parquet")
BEST_PARAMS = Path("data/06_models/best_params.json")


def kedro_run(project: Path, *args: str) -> None:
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    subprocess.run(
        [sys.executable, "-m", "kedro", "run", "--env", "test", *args],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=600,
    )


def versions(project: Path) -> list[bytes]:
    return [
        (folder / SEGMENTS.name).read_bytes() for folder in sorted((project / SEGMENTS).iterdir())
    ]


def test_sequential_and_parallel_runners_give_identical_segments(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    kedro_run(project)
    sequential_params = (project / BEST_PARAMS).read_bytes()
    # the model stages work on pandas frames, so they can run in separate processes
    kedro_run(project, "--pipelines", "model_selection,clustering", "--runner", "ParallelRunner")
    first, second = versions(project)
    assert first == second
    assert (project / BEST_PARAMS).read_bytes() == sequential_params
