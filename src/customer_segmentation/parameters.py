"""Typed parameters: one Pydantic model per parameter group, checked before any node runs.

Each pipeline declares the model of its group in ``pipelines/<name>/params.py`` (e.g.
``ModelSelectionParams`` for ``model_selection:``) and its nodes annotate their ``params:``
inputs with those models, so Kedro hands them validated, typed objects. Before that,
:class:`customer_segmentation.hooks.ParameterCheckHook` checks every group of the run's
configuration (base, the ``--env`` files and ``--params``) with :func:`check_parameters`: a
misspelled key, a missing key, a value of the wrong type or out of range stops the run before
anything is read or written, with one line that names the parameter, the problem and the fix.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from customer_segmentation.errors import InputValidationError, config_file

#: ``type`` of the errors raised by :func:`invalid` (rules that involve several keys).
INVALID = "invalid_parameter"


class Parameters(BaseModel):
    """Base of every parameter model: unknown keys are errors, values are read-only."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def invalid(problem: str, fix: str, key: str | None = None) -> PydanticCustomError:
    """An error for a rule a single field's type cannot express (e.g. min <= max).

    Raise it from a validator; ``key`` names the field (below the validated model) that the
    user has to change, and ``fix`` is kept for the message.
    """
    # the message is a template: braces would be read as placeholders
    message = problem.replace("{", "(").replace("}", ")")
    return PydanticCustomError(INVALID, message, {"fix": fix, "key": key})


def check_listed_once(
    values: Sequence[Hashable], problem: str, fix: str, key: str | None = None
) -> None:
    """Raise :func:`invalid` when an item of ``values`` is listed more than once.

    ``problem`` may name the repeated items, sorted, as ``{repeated}``.
    """
    repeated = sorted(value for value, n in Counter(values).items() if n > 1)
    if repeated:
        raise invalid(problem.format(repeated=repeated), fix, key=key)


def as_mapping(value: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    """A parameter as a mapping, whether Kedro hands it over raw or already typed.

    Kedro types a nested parameter (``params:experiments.run.gmm``) from the model of its
    group when one node reads the whole group typed.
    """
    return value.model_dump() if isinstance(value, BaseModel) else value


def with_changes(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` applied key by key: mappings merge, any other value replaces.

    How an experiment states only what differs from a parameter group.
    """
    result = dict(base)
    for key, value in changes.items():
        current = result.get(key)
        if isinstance(current, Mapping) and isinstance(value, Mapping):
            result[key] = with_changes(current, value)
        else:
            result[key] = value
    return result


def check_parameters(
    raw: Mapping[str, Any], groups: Mapping[str, type[Parameters]]
) -> dict[str, Parameters]:
    """Validate every group of ``raw`` parameters with its model; return the models.

    Raises :class:`InputValidationError` for the first problem: a group that is missing or
    not a mapping, a top-level key that is no known group (a misspelled group name in an
    environment file), or any error of a group's model.
    """
    unknown = [name for name in raw if name not in groups]
    if unknown:
        name = str(unknown[0])
        raise InputValidationError(
            "is not a known parameter group",
            _spelling_fix(name, list(groups), config_file("parameters*.yml")),
            parameter=name,
        )
    checked: dict[str, Parameters] = {}
    for group, model in groups.items():
        if group not in raw:
            raise InputValidationError(
                "is missing",
                f"restore the '{group}:' group in conf/base/parameters_{group}.yml",
                parameter=group,
            )
        try:
            checked[group] = model.model_validate(raw[group])
        except ValidationError as error:
            raise parameter_error(error, group, model) from None
    return checked


def parameter_error(
    error: ValidationError, group: str, model: type[BaseModel]
) -> InputValidationError:
    """One :class:`InputValidationError` for the first error of ``group``'s model.

    An unknown key is reported before the others: a misspelled key is also a missing one,
    and "did you mean" is the message that helps.
    """
    errors = error.errors()
    first = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    location = [str(part) for part in first["loc"]]
    context = first.get("ctx") or {}
    if first["type"] == INVALID and context.get("key"):
        location.append(str(context["key"]))
    name = ".".join([group, *location])
    file = config_file(f"parameters_{group}.yml")
    kind = first["type"]
    if kind == "missing":
        problem, fix = "is missing", f"add it to {file}"
    elif kind == "extra_forbidden":
        known = _field_names(model, first["loc"][:-1])
        problem = "is not a known parameter"
        fix = _spelling_fix(location[-1], known, file)
    elif kind == INVALID:
        problem, fix = first["msg"], context["fix"]
    else:
        message = first["msg"][:1].lower() + first["msg"][1:]
        problem = f"is {first['input']!r}: {message}"
        fix = f"change it in {file}"
    others = error.error_count() - 1
    if others:
        problem += f" (and {others} more problem{'s' if others > 1 else ''} in '{group}')"
    return InputValidationError(problem, fix, parameter=name)


def _spelling_fix(name: str, known: list[str], file: str) -> str:
    """``did you mean 'x'?`` when a known name is close, else the list of known names."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f"did you mean '{close[0]}'? Rename it in {file}"
    return f"remove it from {file}; known here: {', '.join(known)}"


def _field_names(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """Field names of the model found at ``location`` below ``model`` (list items skipped)."""
    current: Any = model
    for part in location:
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is not None:  # else a key of a ``dict[str, Model]``: stay on the model
            current = _inner_model(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _inner_model(annotation: Any) -> Any:
    """The model inside ``Model``, ``Model | None``, ``list[Model]`` or ``dict[str, Model]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        inner = _inner_model(argument)
        if inner is not None:
            return inner
    return None
