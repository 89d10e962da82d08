"""An interrupted model search continues where it stopped: kill the run, run again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest
import yaml

from tests.conftest import copy_project

pytestmark = pytest.mark.slow

N_TRIALS = 300
STORAGE = "sqlite:///data/06_models/optuna_study.db"


def kedro(project: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "kedro", "run", "--env", "test", *args]


def complete_trials(project: Path) -> int:
    url = f"sqlite:///{project / 'data/06_models/optuna_study.db'}"
    if not (project / "data/06_models/optuna_study.db").exists():
        return 0
    try:
        summaries = optuna.get_all_study_summaries(storage=url)
    except Exception:  # the first run may still be creating the schema
        return 0
    return sum(summary.n_trials for summary in summaries)


def test_killed_study_resumes_with_the_trials_already_done(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    parameters = project / "conf/test/parameters.yml"
    config = yaml.safe_load(parameters.read_text())
    config["model_selection"]["study"].update(n_trials=N_TRIALS, storage=STORAGE)
    parameters.write_text(yaml.safe_dump(config))
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg"}
    subprocess.run(
        kedro(project, "--pipelines", "data_processing,feature_engineering"),
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        timeout=300,
    )

    search = subprocess.Popen(
        kedro(project, "--pipelines", "model_selection"),
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240
    while complete_trials(project) < 10 and time.monotonic() < deadline:
        assert search.poll() is None, "the search finished before it could be interrupted"
        time.sleep(0.2)
    search.send_signal(signal.SIGKILL)
    search.wait(timeout=30)
    done_before = complete_trials(project)
    assert 10 <= done_before < N_TRIALS

    resumed = subprocess.run(
        kedro(project, "--pipelines", "model_selection"),
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    url = f"sqlite:///{project / 'data/06_models/optuna_study.db'}"
    (summary,) = optuna.get_all_study_summaries(storage=url)
    study = optuna.load_study(study_name=summary.study_name, storage=url)
    states = [trial.state for trial in study.trials]
    complete = states.count(optuna.trial.TrialState.COMPLETE)
    # the study went on from the stored trials: no second study, none started over, and
    # only the missing trials were run (a trial cut by the kill stays as it was left)
    assert complete == N_TRIALS
    assert len(study.trials) <= N_TRIALS + 1
    assert [trial.number for trial in study.trials] == list(range(len(study.trials)))
