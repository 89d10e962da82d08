"""The parameter reference of the docs is generated from the models: no key can be missing.

The keys are listed here by a walk of the models of their own, so a key the generator
skipped (a new field, a new nesting) fails the first test.
"""

from __future__ import annotations

import inspect
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field

from customer_segmentation.parameter_reference import render_reference, type_name, yaml_comments
from customer_segmentation.parameters import Parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS


def nested_models(annotation: Any) -> list[tuple[type[BaseModel], str]]:
    """The models a field holds, and how their keys are named below it."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        return [(annotation, "")]
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        return [found for arg in args for found in nested_models(arg)]
    if origin is tuple:
        return [(model, "[]") for model, _ in nested_models(args[0])]
    if origin is dict:
        return [(model, ".<name>") for model, _ in nested_models(args[1])]
    return []


def every_key(prefix: str, model: type[BaseModel]) -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}"
        keys.append(key)
        for inner, wrap in nested_models(field.annotation):
            keys += every_key(key + wrap, inner)
    return keys


def test_the_reference_lists_every_key_of_every_group():
    reference = render_reference()
    keys = [key for group, model in PARAMETER_GROUPS.items() for key in every_key(group, model)]
    assert len(keys) > 150
    missing = [k for k in keys if f"**`{k}`**" not in reference and f"### `{k}`" not in reference]
    assert not missing, f"keys missing from the parameter reference: {missing}"
    for group in PARAMETER_GROUPS:
        assert f"## `{group}`" in reference


class Inner(Parameters):
    """How many of them."""

    size: int = Field(ge=1, le=9)  # how many, at most nine


class DemoParams(Parameters):
    """A group that gained keys."""

    inner: Inner
    mode: Literal["a", "b"] | None
    #: the names to use
    names: tuple[str, ...] = Field(min_length=1)
    extra: float = 0.5
    undocumented: bool


DEMO_YAML = """\
# The demo group, as a user reads it.
demo:
  # Where it goes:
  #   a: the first way
  mode: a   # the first of two
            # (continued)
  names: [x, y]
  inner:
    size: 3
  undocumented: true
"""


def test_a_new_key_appears_with_its_type_rules_base_value_and_comments(tmp_path: Path):
    (tmp_path / "parameters_demo.yml").write_text(DEMO_YAML)
    reference = render_reference({"demo": DemoParams}, conf_dir=tmp_path)
    lines = reference.splitlines()
    assert "## `demo`" in lines and "A group that gained keys." in lines
    assert "The demo group, as a user reads it." in lines
    assert (
        "- **`demo.mode`** (one of `a`, `b` or null; base: `a`): Where it goes: a: the first way "
        "the first of two (continued)"
    ) in lines
    assert (
        "- **`demo.names`** (list of str; at least 1 long; base: `[x, y]`): the names to use"
        in (lines)
    )
    assert "- **`demo.extra`** (float; optional (default `0.5`))" in lines
    assert "- **`demo.undocumented`** (bool; base: `true`)" in lines
    assert "### `demo.inner`" in lines and "How many of them." in lines
    assert "- **`demo.inner.size`** (int; >= 1; <= 9; base: `3`): how many, at most nine" in lines
    assert "Set in `conf/base/parameters_demo.yml`" in reference


def test_comments_are_found_by_key_path_list_items_included():
    comments = yaml_comments(
        "group:\n"
        "  # the rules\n"
        "  rules:\n"
        "    # first rule\n"
        "    - name: a   # its name\n"
        "      when: {x: high}\n"
        "    - name: b\n"
        '  palette: ["#1f77b4", "#ff7f0e"]  # colours\n'
        "\n"
        "  # not above a key: a blank line between\n"
        "\n"
        "  last: 1\n"
    )
    assert comments == {
        ("group", "rules"): "the rules",
        ("group", "rules", "[]", "name"): "first rule\nits name",
        ("group", "palette"): "colours",
    }


def test_types_read_as_words():
    assert type_name(int | None) == "int or null"
    assert type_name(tuple[str, ...]) == "list of str"
    assert type_name(tuple[float, float]) == "[float, float]"
    assert type_name(dict[str, Inner]) == "mapping of str to group `Inner`"
    assert type_name(Literal["x", "y"]) == "one of `x`, `y`"
