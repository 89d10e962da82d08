"""An interrupted model search continues where it stopped: kill the run, run again."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from contextlib import closing
from pathlib import Path

import optuna
import pytest
import yaml

from tests.conftest import copy_project, kedro_command, kedro_env, run_kedro

pytestmark = pytest.mark.slow

N_TRIALS = 300
STORAGE = "sqlite:///data/06_models/optuna_study.db"


def model_search(*extra: str) -> list[str]:
    return kedro_command("run", "--env", "test", *extra)


def complete_trials(project: Path) -> int:
    """Finished trials in the study file, read without ever writing to it.

    Optuna's own readers create the schema when it is missing, which races the search's
    own set-up; a read-only SQLite connection cannot.
    """
    database = project / "data/06_models/optuna_study.db"
    if not database.exists():
        return 0
    try:
        with closing(sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True)) as connection:
            (count,) = connection.execute(
                "SELECT COUNT(*) FROM trials WHERE state = 'COMPLETE'"
            ).fetchone()
    except sqlite3.Error:  # the search has not created its tables yet
        return 0
    return count


# TPE: 300 trials at the test environment's forced K; grid: every scaler x K 2..10 pair once.
SEARCHES = {
    "tpe": ({"sampler": "tpe", "n_trials": N_TRIALS}, {}, N_TRIALS),
    "grid": ({"sampler": "grid"}, {"forced_k": None}, 6 * 9),
}


@pytest.mark.parametrize("sampler", list(SEARCHES))
def test_killed_study_resumes_with_the_trials_already_done(tmp_path: Path, sampler: str):
    study_settings, other_settings, expected = SEARCHES[sampler]
    project = copy_project(tmp_path / "project")
    parameters = project / "conf/test/parameters.yml"
    config = yaml.safe_load(parameters.read_text())
    config["model_selection"]["study"].update(storage=STORAGE, **study_settings)
    config["model_selection"].update(other_settings)
    parameters.write_text(yaml.safe_dump(config))
    run_kedro(project, "run", "--env", "test", "--pipelines", "data_processing,feature_engineering")

    search_log = tmp_path / "search.log"
    with search_log.open("w") as log:  # the child keeps its own copy of the handle
        search = subprocess.Popen(
            model_search("--pipelines", "model_selection"),
            cwd=project,
            env=kedro_env(),
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
    deadline = time.monotonic() + 240
    while complete_trials(project) < 10 and time.monotonic() < deadline:
        assert search.poll() is None, search_log.read_text()[-3000:]
        time.sleep(0.2)
    search.send_signal(signal.SIGKILL)
    search.wait(timeout=30)
    done_before = complete_trials(project)
    assert 10 <= done_before < expected

    resumed = run_kedro(
        project, "run", "--env", "test", "--pipelines", "model_selection", check=False
    )
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    url = f"sqlite:///{project / 'data/06_models/optuna_study.db'}"
    (summary,) = optuna.get_all_study_summaries(storage=url)
    study = optuna.load_study(study_name=summary.study_name, storage=url)
    states = [trial.state for trial in study.trials]
    complete = states.count(optuna.trial.TrialState.COMPLETE)
    # the study went on from the stored trials: no second study, none started over, and
    # only the missing trials were run (a trial cut by the kill stays as it was left)
    assert complete == expected
    assert len(study.trials) <= expected + 1
    assert [trial.number for trial in study.trials] == list(range(len(study.trials)))
    if sampler == "grid":  # each pair scored once, across the kill
        done = optuna.trial.TrialState.COMPLETE
        pairs = [(t.params["scaler"], t.params["k"]) for t in study.trials if t.state == done]
        assert len(set(pairs)) == len(pairs) == expected
