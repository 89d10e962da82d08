"""MLflow tracking (`kedro run --env tracking`): a tracked run records its parameters, metrics,
model and report in the local store; every other environment runs as if MLflow were absent.

The end-to-end test runs the project in a temporary copy, on the test environment's small data
with the tracking environment's files added (Kedro takes one ``--env``), offline and with no
telemetry switch set by the caller: the project itself must keep MLflow quiet.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import mlflow
import pytest
from kedro.io import DataCatalog
from kedro.io.core import DatasetError

from customer_segmentation.datasets import numeric_metrics
from tests.conftest import copy_project, kedro_env, latest, run_kedro
from tests.reliability.test_no_network import SITECUSTOMIZE

TRACKED_TEST_ENV = "tracking_test"
STORE = Path("data/09_tracking/mlflow.db")
#: What would let MLflow's telemetry off for a reason other than the project's own setting.
TELEMETRY_OFF_BY_CALLER = ("MLFLOW_DISABLE_TELEMETRY", "DO_NOT_TRACK", "PYTEST_CURRENT_TEST", "CI")


def offline_env(tmp_path: Path) -> dict[str, str]:
    """A run's environment: every outbound connection refused and logged, MLflow's usage-data
    file (its installation id) under ``tmp_path``, no telemetry switch from the caller."""
    guard = tmp_path / "guard"
    guard.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    env = {key: value for key, value in kedro_env().items() if key not in TELEMETRY_OFF_BY_CALLER}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")])),
        NETWORK_ATTEMPTS_LOG=str(tmp_path / "network_attempts.log"),
        XDG_CONFIG_HOME=str(tmp_path / "config"),
    )
    return env


def add_tracked_test_env(project: Path) -> None:
    """conf/tracking_test: the test environment's files plus the tracking environment's."""
    conf = project / "conf"
    shutil.copytree(conf / "test", conf / TRACKED_TEST_ENV)
    shutil.copy2(conf / "tracking/mlflow.yml", conf / TRACKED_TEST_ENV / "mlflow.yml")
    shutil.copy2(conf / "tracking/catalog.yml", conf / TRACKED_TEST_ENV / "catalog_tracking.yml")


def mlflow_files(project: Path) -> list[Path]:
    """Anything MLflow writes by default or as configured here."""
    names = ("mlruns", "mlartifacts", "mlflow.db", "09_tracking")
    return [path for name in names for path in project.rglob(name)]


def artifact_paths(client: mlflow.MlflowClient, run_id: str, folder: str | None = None) -> set:
    paths = set()
    for item in client.list_artifacts(run_id, folder):
        paths |= artifact_paths(client, run_id, item.path) if item.is_dir else {item.path}
    return paths


@pytest.fixture(scope="module")
def tracked(tmp_path_factory) -> dict:
    """A project copy after a run without --env (its first stage), then a tracked run."""
    tmp_path = tmp_path_factory.mktemp("tracking")
    project = copy_project(tmp_path / "project")
    add_tracked_test_env(project)
    env = offline_env(tmp_path)
    default_run = run_kedro(project, "run", "--pipelines", "data_processing", env=env)
    after_default = mlflow_files(project)
    run_kedro(project, "run", "--env", TRACKED_TEST_ENV, env=env)
    return {
        "project": project,
        "tmp_path": tmp_path,
        "default_output": default_run.stdout + default_run.stderr,
        "after_default": after_default,
    }


def test_another_environment_runs_as_if_mlflow_were_not_installed(tracked):
    # kedro-mlflow's own hook, installed, is kept out: no store, no mlruns, no log line
    assert tracked["after_default"] == []
    assert "mlflow" not in tracked["default_output"].lower()
    assert "warning" not in tracked["default_output"].lower()


def test_a_tracked_run_logs_parameters_metrics_model_and_report(tracked):
    project = tracked["project"]
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / STORE}")
    experiment = client.get_experiment_by_name("customer_segmentation")
    (run,) = client.search_runs([experiment.experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.tags["env"] == TRACKED_TEST_ENV
    # parameters: one per setting of the typed groups
    params = run.data.params
    assert params["model_selection.selection.policy"] == "largest_stable_k"
    assert params["model_selection.forced_k"] == "4"  # the test environment's
    # metrics: the numbers of stability_summary and best_params, as the run saved them
    summary = json.loads(latest(project / "data/08_reporting/stability_summary.json").read_text())
    best = json.loads(latest(project / "data/06_models/best_params.json").read_text())
    metrics = run.data.metrics
    assert metrics["stability_summary.mean_ari"] == pytest.approx(summary["mean_ari"])
    assert metrics["best_params.silhouette"] == pytest.approx(best["silhouette"])
    assert metrics["best_params.k"] == best["k"] == 4
    assert "best_params.scaler" not in metrics  # text is not a metric
    # each experiment's metrics under its name (by default one, the chosen "baseline")
    assert metrics["baseline.k"] == 4
    assert metrics["baseline.silhouette"] == pytest.approx(best["silhouette"])
    # artifacts: this run's version of the model, report and workbook, byte for byte
    assert artifact_paths(client, run.info.run_id) == {
        "model/segmentation_model.pkl",
        "report/segment_report.html",
        "report/segment_report.xlsx",
        "experiments/experiment_comparison.csv",
        "experiments/experiment_agreement.csv",
    }
    model = latest(project / "data/06_models/segmentation_model.pkl")
    logged = Path(client.download_artifacts(run.info.run_id, "model/segmentation_model.pkl"))
    assert logged.read_bytes() == model.read_bytes()
    # the wrapped outputs keep the run's version folder, as every other output
    assert (
        model.parent.name == latest(project / "data/08_reporting/segment_summary.json").parent.name
    )
    # everything under the data root: nothing at the project root
    assert not (project / "mlruns").exists() and not (project / "mlartifacts").exists()


def test_tracked_and_default_runs_stay_offline_without_telemetry(tracked):
    tmp_path = tracked["tmp_path"]
    attempts = tmp_path / "network_attempts.log"
    assert not attempts.exists(), attempts.read_text()
    # MLflow writes its installation id when its usage-data client starts: it never did
    assert not (tmp_path / "config/mlflow").exists()


# -- the dataset wrappers, through a catalog as a run builds it ------------------------------

RUN = "2026-11-30T08.00.00.000Z"


def test_numbers_become_dotted_metrics_and_the_rest_is_left_out():
    data = {"k": 4, "mean_ari": 0.9, "nested": {"a": 1.5}, "scaler": "standard"}
    data |= {"ok": True, "missing": None, "nan": float("nan"), "features": [1, 2]}
    assert numeric_metrics(data, "run") == {"run.k": 4.0, "run.mean_ari": 0.9, "run.nested.a": 1.5}
    with pytest.raises(DatasetError, match="need a dict"):
        numeric_metrics([1, 2])


def test_a_wrapped_output_keeps_the_run_versions_and_saves_without_a_run(tmp_path: Path, caplog):
    path = str(tmp_path / "summary.json")
    config = {
        "summary": {
            "type": "customer_segmentation.datasets.MlflowMetricsDictDataset",
            "prefix": "summary",
            "versioned": True,
            "dataset": {"type": "json.JSONDataset", "filepath": path},
        },
        "model": {
            "type": "customer_segmentation.datasets.MlflowArtifactFileDataset",
            "versioned": True,
            "dataset": {"type": "pickle.PickleDataset", "filepath": str(tmp_path / "m.pkl")},
        },
    }
    assert mlflow.active_run() is None
    catalog = DataCatalog.from_config(config, save_version=RUN)
    catalog.save("summary", {"mean_ari": 0.5})
    catalog.save("model", [1, 2])
    assert (tmp_path / "summary.json" / RUN / "summary.json").is_file()
    assert (tmp_path / "m.pkl" / RUN / "m.pkl").is_file()
    assert "not logged to MLflow: no active run" in caplog.text
    # a pinned version (--load-versions) reaches the wrapped dataset
    later = DataCatalog.from_config(config, load_versions={"summary": RUN})
    assert later.load("summary") == {"mean_ari": 0.5}
