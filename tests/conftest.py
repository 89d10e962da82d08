"""Shared fixtures: the project root and a throw-away copy of the project to run Kedro in."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")  # before any test module imports mlflow
os.environ.setdefault("MPLBACKEND", "Agg")

PROJECT_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


def require_extra(module: str, extra: str):
    """Import ``module`` of an optional extra of pyproject.toml (``spark``, ``docs``, ...).

    Without the extra the test is skipped, naming it; in CI it fails instead, since CI's
    `make test` installs every extra and a test skipped there would test nothing.
    """
    if os.environ.get("CI"):
        return importlib.import_module(module)
    reason = f"the '{extra}' extra is not installed (make test installs every extra)"
    return pytest.importorskip(module, reason=reason)


def copy_project(destination: Path) -> Path:
    """Copy what `kedro run` needs (settings, source, conf, raw data) into ``destination``."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("pyproject.toml", ".telemetry"):
        shutil.copy2(PROJECT_ROOT / name, destination / name)
    shutil.copytree(
        PROJECT_ROOT / "src", destination / "src", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(
        PROJECT_ROOT / "conf", destination / "conf", ignore=shutil.ignore_patterns("local")
    )
    (destination / "conf" / "local").mkdir(exist_ok=True)
    raw = destination / "data" / "01_raw"
    raw.mkdir(parents=True)
    for path in (PROJECT_ROOT / "data" / "01_raw").glob("*.csv"):
        shutil.copy2(path, raw / path.name)
    return destination


def editable_test_env_catalog(project: Path) -> dict:
    """conf/test/catalog.yml of a project copy, to edit and write back.

    The test environment sets only the path of its raw file (globals.yml); base's
    ``raw_transactions`` entry is added, as the entry a user would copy to change more.
    """
    catalog = yaml.safe_load((project / "conf/test/catalog.yml").read_text()) or {}
    base = yaml.safe_load((project / "conf/base/catalog.yml").read_text())
    catalog.setdefault("raw_transactions", base["raw_transactions"])
    return catalog


def latest(path: Path) -> Path:
    """The newest version of a versioned dataset (a folder of timestamped versions)."""
    if path.is_file():
        return path
    return sorted(path.iterdir())[-1] / path.name


@pytest.fixture
def project_copy(tmp_path: Path) -> Callable[[], Path]:
    """A factory returning a fresh copy of the project under ``tmp_path``."""

    def _make(name: str = "project") -> Path:
        return copy_project(tmp_path / name)

    return _make


def kedro_command(*args: str) -> list[str]:
    """The Kedro CLI of this environment, as a user types ``kedro ARGS``."""
    return [sys.executable, "-m", "kedro", *args]


def kedro_env(**overrides: str) -> dict[str, str]:
    """This process's environment with telemetry off and a headless plot backend."""
    return {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MPLBACKEND": "Agg", **overrides}


def run_kedro(
    project: Path,
    *args: str,
    check: bool = True,
    env: dict[str, str] | None = None,
    timeout: float = 900,
) -> subprocess.CompletedProcess:
    """Run ``kedro ARGS`` in ``project``; with ``check``, fail with its output if it fails."""
    result = subprocess.run(
        kedro_command(*args),
        cwd=project,
        env=kedro_env() if env is None else env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"kedro {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result
