"""Same data, config and seed: byte-identical segments, whichever Kedro runner runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import copy_project, latest, run_kedro

pytestmark = pytest.mark.slow

SEGMENTS = Path("data/07_model_output/customer_segments.parquet")
BEST_PARAMS = Path("data/06_models/best_params.json")


def versions(project: Path) -> list[bytes]:
    return [
        (folder / SEGMENTS.name).read_bytes() for folder in sorted((project / SEGMENTS).iterdir())
    ]


def test_sequential_and_parallel_runners_give_identical_segments(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    run_kedro(project, "run", "--env", "test")
    sequential_params = latest(project / BEST_PARAMS).read_bytes()
    # the model stages work on pandas frames, so they can run in separate processes
    run_kedro(
        project,
        "run",
        "--env",
        "test",
        "--pipelines",
        "model_selection,clustering",
        "--runner",
        "ParallelRunner",
    )
    first, second = versions(project)
    assert first == second
    assert latest(project / BEST_PARAMS).read_bytes() == sequential_params
