"""Experiments as a user runs them: three variants declared in YAML, one `kedro run`, compared.

Runs the test export in a project copy, as `make test` does on a clean clone: the baseline
alone, then the baseline with a Gaussian-mixture and a value-only experiment beside it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.conftest import copy_project, latest, run_kedro

pytestmark = pytest.mark.slow

THREE = {
    "experiments": {
        "chosen": "baseline",
        "run": {
            "baseline": {},
            "gaussian_mixture": {
                "description": "Gaussian mixture, every feature",
                "model_selection": {"algorithm": {"name": "gaussian_mixture"}},
            },
            "value_only": {
                "description": "K-means on recency, frequency and monetary value",
                "features": ["recency", "frequency", "monetary"],
            },
        },
    }
}
SEGMENTS = "data/07_model_output/customer_segments.parquet"


def three_experiments_env(project: Path) -> None:
    """conf/three: the test environment plus three experiments, as a user would add them."""
    shutil.copytree(project / "conf/test", project / "conf/three")
    (project / "conf/three/parameters_experiments.yml").write_text(yaml.safe_dump(THREE))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The baseline alone, and the three experiments, each in its own project copy."""
    root = tmp_path_factory.mktemp("experiments")
    alone = copy_project(root / "alone")
    run_kedro(alone, "run", "--env", "test")
    three = copy_project(root / "three")
    three_experiments_env(three)
    run_kedro(three, "run", "--env", "three")
    return alone, three


def test_three_experiments_are_compared_in_one_run(runs):
    _, three = runs
    comparison = pd.read_csv(latest(three / "data/08_reporting/experiment_comparison.csv"))
    assert comparison["experiment"].tolist() == ["baseline", "gaussian_mixture", "value_only"]
    assert comparison["chosen"].tolist() == [True, False, False]
    assert comparison["algorithm"].tolist() == ["kmeans", "gaussian_mixture", "kmeans"]
    assert comparison["n_features"].tolist()[2] == 3
    assert comparison["same_features_as_chosen"].tolist() == [True, True, False]
    assert comparison[["silhouette", "silhouette_std", "stability"]].notna().all().all()
    agreement = pd.read_csv(latest(three / "data/08_reporting/experiment_agreement.csv"))
    matrix = agreement.set_index("experiment")
    assert list(matrix.index) == list(matrix.columns) == comparison["experiment"].tolist()
    assert (matrix.to_numpy().diagonal() == 1.0).all()
    # each other experiment keeps its own search and model under its name
    for name in ("gaussian_mixture", "value_only"):
        assert latest(three / f"data/06_models/experiments/{name}/best_params.json").is_file()
        assert (three / f"data/06_models/experiments/{name}/clustering_model.pkl").is_file()
    html = latest(three / "data/08_reporting/segment_report.html").read_text()
    section = html.split('<h2 id="experiments">')[1].split("<h2")[0]
    assert "this run's segments are those of <strong>baseline</strong>" in section
    assert section.count("<table>") == 2 and "data:image/png;base64," in section
    assert "value_only" in section and "gaussian_mixture" in section


def test_the_baseline_gives_the_same_segments_with_or_without_other_experiments(runs):
    alone, three = runs
    pd.testing.assert_frame_equal(
        pd.read_parquet(latest(alone / SEGMENTS)), pd.read_parquet(latest(three / SEGMENTS))
    )
    html = latest(alone / "data/08_reporting/segment_report.html").read_text()
    assert "One experiment ran (baseline)" in html


def test_an_experiment_runs_alone_by_its_namespace(runs):
    _, three = runs
    before = latest(three / SEGMENTS)
    run_kedro(three, "run", "--env", "three", "--namespaces", "value_only")
    versions = sorted((three / "data/06_models/experiments/value_only/best_params.json").iterdir())
    assert len(versions) == 2
    # nothing outside the experiment ran: the run's segments are still the last ones
    assert latest(three / SEGMENTS) == before


def test_choosing_another_experiment_uses_its_segments(runs, tmp_path: Path):
    _, three = runs
    project = Path(shutil.copytree(three, tmp_path / "project"))
    stdout = run_kedro(
        project, "run", "--env", "three", "--params", "experiments.chosen=value_only"
    ).stdout
    model = pd.read_pickle(latest(project / "data/06_models/segmentation_model.pkl"))
    assert model.features == ["recency", "frequency", "monetary"]
    comparison = pd.read_csv(latest(project / "data/08_reporting/experiment_comparison.csv"))
    assert comparison.set_index("experiment")["chosen"].to_dict() == {
        "baseline": False,
        "gaussian_mixture": False,
        "value_only": True,
    }
    assert "Segments: K = " in stdout
