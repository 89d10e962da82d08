"""The layout rules of ``src/``, checked on the source text (nothing is imported or run).

* Pipelines share datasets, not code: a module under ``pipelines/<a>/`` never imports from
  ``customer_segmentation.pipelines.<b>`` (``b`` != ``a``), by name or by a relative import
  that climbs out of its pipeline. What several pipelines need lives outside ``pipelines/``
  (``customer_segmentation.model``, ``customer_segmentation.snapshot``, ...).
* No source file is longer than :data:`MAX_LINES` lines, unless :data:`LONG_FILES` names it
  with the reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "customer_segmentation"
PIPELINES = SRC / PACKAGE / "pipelines"
PIPELINES_MODULE = f"{PACKAGE}.pipelines"
MAX_LINES = 400

#: Path below src/customer_segmentation (or its end: the file may move) -> why it may be longer
#: than MAX_LINES.
LONG_FILES: dict[str, str] = {}


def _module_name(path: Path) -> str:
    """``customer_segmentation.pipelines.x.nodes`` for ``src/customer_segmentation/...``."""
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST, module: str, is_package: bool) -> list[tuple[int, list[str]]]:
    """Each import statement's line and the modules it may name, as absolute names.

    ``from x import y`` may name ``x`` or ``x.y`` (``y`` may be a module); a relative import
    is resolved against the importing module's package.
    """
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, list[str]]] = []
    for statement in ast.walk(tree):
        if isinstance(statement, ast.Import):
            found += [(statement.lineno, [alias.name]) for alias in statement.names]
        elif isinstance(statement, ast.ImportFrom):
            if statement.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - (statement.level - 1)])
                target = f"{base}.{statement.module}" if statement.module else base
            else:
                target = statement.module or ""
            names = [target, *(f"{target}.{alias.name}" for alias in statement.names)]
            found.append((statement.lineno, names))
    return found


def other_pipeline_imports(path: Path, source: str) -> list[str]:
    """``<file>:<line> imports <module>`` for each import of another pipeline in ``path``."""
    module = _module_name(path)
    own = f"{PIPELINES_MODULE}.{module.split('.')[2]}"
    problems = []
    for line, names in _imports(ast.parse(source), module, path.name == "__init__.py"):
        for name in names:
            inside = name.startswith(f"{PIPELINES_MODULE}.")
            if inside and not (name == own or name.startswith(f"{own}.")):
                problems.append(f"{path.relative_to(SRC)}:{line} imports {name}")
                break
    return problems


def _pipeline_modules() -> list[Path]:
    return sorted(PIPELINES.glob("*/**/*.py"))


def test_there_are_pipelines_to_check():
    assert len({path.relative_to(PIPELINES).parts[0] for path in _pipeline_modules()}) >= 6


def test_pipelines_share_datasets_not_code():
    problems = [
        problem
        for path in _pipeline_modules()
        for problem in other_pipeline_imports(path, path.read_text(encoding="utf-8"))
    ]
    assert not problems, (
        "a pipeline imports another pipeline; move what they share out of pipelines/ "
        "(e.g. customer_segmentation.model):\n" + "\n".join(problems)
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from customer_segmentation.pipelines.model_selection.params import X", "model_selection"),
        ("import customer_segmentation.pipelines.reporting.plots", "reporting"),
        ("from customer_segmentation.pipelines import model_selection", "model_selection"),
        ("from ..model_selection import scoring", "model_selection"),
        ("from .. import reporting", "reporting"),
        ("from ...pipelines.feature_engineering.nodes import f", "feature_engineering"),
    ],
)
def test_an_import_of_another_pipeline_is_named(source, expected):
    problems = other_pipeline_imports(PIPELINES / "clustering" / "nodes.py", source)
    assert len(problems) == 1
    assert problems[0].startswith(f"{PACKAGE}/pipelines/clustering/nodes.py:1 imports ")
    assert f"{PIPELINES_MODULE}.{expected}" in problems[0]


@pytest.mark.parametrize(
    "source",
    [
        "from .params import ClusteringParams",
        "from customer_segmentation.pipelines.clustering.params import ClusteringParams",
        "from customer_segmentation.model import build_model",
        "from . import nodes",
        "import numpy as np",
    ],
)
def test_own_pipeline_and_shared_packages_are_allowed(source):
    assert other_pipeline_imports(PIPELINES / "clustering" / "nodes.py", source) == []


def _listed(path: Path) -> str | None:
    """The key of :data:`LONG_FILES` that names ``path``, if any."""
    relative = path.relative_to(SRC / PACKAGE).as_posix()
    return next((k for k in LONG_FILES if relative == k or relative.endswith(f"/{k}")), None)


def test_source_files_are_short():
    lengths = {
        path: len(path.read_text(encoding="utf-8").splitlines())
        for path in sorted(SRC.rglob("*.py"))
    }
    too_long = [
        f"{path.relative_to(SRC)}: {n} lines"
        for path, n in lengths.items()
        if n > MAX_LINES and _listed(path) is None
    ]
    assert not too_long, (
        f"source files over {MAX_LINES} lines; split them by what they do, or list them with "
        "the reason in LONG_FILES:\n" + "\n".join(too_long)
    )
    listed = {_listed(path) for path, n in lengths.items() if n > MAX_LINES}
    assert set(LONG_FILES) <= listed, "LONG_FILES names files that are short now: remove them"
