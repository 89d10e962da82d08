"""Errors of the configuration: an unknown environment, bad YAML, a key defined twice."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from omegaconf import OmegaConf

from customer_segmentation.diagnostics.causes import error_chain
from customer_segmentation.diagnostics.messages import one_line, snippet
from customer_segmentation.diagnostics.project import Project

YAML_FIXES = (
    ("duplicate key", "keep one of the two '{key}' keys of that mapping"),
    (
        "mapping values are not allowed",
        "quote the value if it holds ': ', or indent this line like the lines it belongs with",
    ),
    ("expected ',' or ']'", "close the list{opened} with ']' (items separated by ',')"),
    ("expected ',' or '}'", "close the mapping{opened} with '}' (entries separated by ',')"),
    ("end of stream", "close the quote opened on that line"),
    ("expected <block end>", "indent this line like the lines it belongs with"),
    ("expected key", "indent this line like the lines it belongs with"),
    ("could not find expected ':'", "add ': ' after the key, or close the quote"),
)


def yaml_fix(problem: str, character: str, opened: int | None = None) -> str:
    """What to change for a YAML parser ``problem``.

    ``character`` is the one it stopped at, ``opened`` the line where what it was reading
    (a list, a mapping) began.
    """
    if "cannot start any token" in problem:
        if character == "\t":
            return "indent with spaces: YAML does not allow tabs"
        return f"quote the value: a plain YAML value cannot start with '{character}'"
    for words, fix in YAML_FIXES:
        if words in problem:
            key = problem.rsplit(" ", 1)[-1]
            return fix.format(key=key, opened=f" opened on line {opened}" if opened else "")
    return "correct the YAML at that line (indentation with spaces, quotes and brackets closed)"


def _yaml_errors(error: BaseException) -> tuple[str | None, Any]:
    """The config file Kedro names, and the parser's own error, from the exception chain."""
    path = None
    original = None
    for cause in error_chain(error):
        if match := re.search(r"Invalid YAML or JSON file (.+?), unable to read line", str(cause)):
            path = match.group(1)
        if isinstance(cause, yaml.MarkedYAMLError) and cause.problem_mark is not None:
            original = cause
    return path, original


def _find_bad_yaml(project: Project) -> tuple[Path, Any] | None:
    """The first config file of the run's environments that OmegaConf cannot load."""
    for env in dict.fromkeys((project.base_env, project.run_env)):
        for path in sorted((project.conf_dir / env).glob("**/*")):
            if path.suffix not in {".yml", ".yaml"} or not path.is_file():
                continue
            try:
                OmegaConf.load(path)
            except yaml.MarkedYAMLError as error:
                return path, error
            except Exception:
                continue
    return None


def _environment_line(error: BaseException, project: Project) -> str | None:
    """``--env NAME`` with no folder ``conf/NAME``."""
    match = re.search(r"does not exist or is not a valid directory: (\S+)", str(error))
    if type(error).__name__ != "MissingConfigException" or match is None:
        return None
    missing = Path(match.group(1))
    if missing.name != project.run_env:
        return None
    environments = ", ".join(project.environments()) or "none"
    return one_line(
        f"environment '{project.run_env}': there is no folder {project.show(missing)}. Fix: "
        f"use --env with one of the environments in {project.show(project.conf_dir)}/: "
        f"{environments} (or create {project.show(missing)}/ for a new one)"
    )


def _duplicate_keys_line(error: BaseException, project: Project) -> str | None:
    """Two config files of one environment that define the same key."""
    first = str(error).partition("\n")[0]
    match = re.match(r"Duplicate keys found in (.+?) and (.+?): (.*)$", first)
    if not isinstance(error, ValueError) or match is None:
        return None
    one, two, keys = match.groups()
    return one_line(
        f"config files '{project.show(one)}' and '{project.show(two)}' both define {keys}. "
        f"Fix: keep {keys} in one of the two files"
    )


def _yaml_line(error: BaseException, project: Project) -> str | None:
    """A config file that is not valid YAML."""
    if not any(isinstance(cause, yaml.YAMLError) for cause in error_chain(error)):
        return None
    path, original = _yaml_errors(error)
    if path is None or original is None:
        found = _find_bad_yaml(project)
        if found is None:
            return None
        path, original = str(found[0]), original or found[1]
    return yaml_error_line(Path(path), original, project)


def config_error_line(error: BaseException, project: Project) -> str | None:
    """An unknown environment or a config file that does not parse, on one line."""
    return (
        _environment_line(error, project)
        or _duplicate_keys_line(error, project)
        or _yaml_line(error, project)
    )


def yaml_error_line(path: Path, error: Any, project: Project) -> str:
    """``config file 'conf/ENV/FILE', line L, column C: ...`` from a PyYAML marked error."""
    mark = error.problem_mark
    number, column = mark.line + 1, mark.column + 1
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    text = lines[mark.line] if mark.line < len(lines) else ""
    character = text[mark.column] if mark.column < len(text) else ""
    problem = error.problem or "not valid YAML"
    context_mark = getattr(error, "context_mark", None)
    opened = None
    if error.context and context_mark is not None and context_mark.line != mark.line:
        opened = context_mark.line + 1
        problem += f" ({error.context} at line {opened})"
    shown = f" ('{snippet(text)}')" if text.strip() else ""
    return one_line(
        f"config file '{project.show(path)}', line {number}, column {column}: not valid YAML: "
        f"{problem}{shown}. Fix: {yaml_fix(error.problem or '', character, opened)}"
    )
