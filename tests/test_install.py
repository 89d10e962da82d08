"""What `make run` and `make test` install: the default lock without the optional extras.

Each extra of pyproject.toml (but `test`, which is in requirements.lock) has its pinned list
in requirements-<extra>.lock, installed on top of requirements.lock; `make test` installs
every one of them, so the Spark test, the docs build and the notebooks run in CI.
"""

from __future__ import annotations

import re
import sys
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from customer_segmentation.errors import InputValidationError
from customer_segmentation.transaction_engine import start_spark_session
from tests.conftest import PROJECT_ROOT


def pins(path) -> dict[str, str]:
    found = {}
    for line in map(str.strip, path.read_text().splitlines()):
        if line and not line.startswith("#"):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version
    return found


def extras() -> dict[str, list[str]]:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    return {k: v for k, v in project["optional-dependencies"].items() if k != "test"}


def test_the_default_install_leaves_out_the_optional_extras():
    base = pins(PROJECT_ROOT / "requirements.lock")
    assert "pyspark" not in base and "jupyterlab" not in base and "sphinx" not in base
    assert set(extras()) == {"spark", "docs", "notebook"}


def test_every_extra_is_pinned_in_its_lock_file_consistently_with_the_others():
    base = pins(PROJECT_ROOT / "requirements.lock")
    seen = dict(base)
    for extra, requirements in extras().items():
        locked = pins(PROJECT_ROOT / f"requirements-{extra}.lock")
        for requirement in map(Requirement, requirements):
            name = canonicalize_name(requirement.name)
            version = locked.get(name, base.get(name))
            assert version is not None, f"{name} of the {extra} extra is pinned nowhere"
            assert requirement.specifier.contains(version), (extra, name, version)
        for name, version in locked.items():
            assert name not in base, f"{name} is in requirements.lock and the {extra} lock"
            assert seen.setdefault(name, version) == version, f"{name} pinned twice differently"


def test_make_test_installs_every_extra_and_make_run_none():
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    target = dict(re.findall(r"^([a-z-]+):([^\n=]*)$", makefile, flags=re.MULTILINE))
    extras_line = re.search(r"^EXTRAS := (.*)$", makefile, flags=re.MULTILINE).group(1)
    for extra in extras():
        assert f"$(VENV)/.installed-{extra}" in extras_line, extra
    assert "$(EXTRAS)" in target["test"]
    assert target["run"].split() == ["$(STAMP)"]


def test_the_spark_environment_without_the_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyspark", None)  # as in an install without the extra
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(InputValidationError, match="make spark") as error:
        start_spark_session({}, app_name="project")
    assert "pyspark, which is not installed" in str(error.value)
