"""The parameter reference of the documentation, generated from the typed parameter models.

Every group of :data:`customer_segmentation.pipeline_registry.PARAMETER_GROUPS` is walked
field by field, nested models included: each key's type and rules come from its Pydantic
field, its value from ``conf/base/parameters*.yml``, and its description from the comments
beside it, in the model's source (``#:`` above a field, ``#`` at its end) and in the YAML
(the comment lines above a key, or at the end of its line). The docs build renders it
(``docs/conf.py``), so the reference cannot miss a key the models have; print it with
``python -m customer_segmentation.parameter_reference``.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import re
import sys
import textwrap
import tokenize
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

#: ``conf/base`` of this project (the source tree: the package is installed editable).
BASE_CONF = Path(__file__).resolve().parents[2] / "conf" / "base"

#: Placeholder in a key for the names of a mapping (``experiments.run.<name>``) and the items
#: of a list (``clustering.naming.rules[]``).
NAME, ITEM = "<name>", "[]"

_CONSTRAINTS = (
    ("gt", "> {}"),
    ("ge", ">= {}"),
    ("lt", "< {}"),
    ("le", "<= {}"),
    ("min_length", "at least {} long"),
    ("max_length", "at most {} long"),
    ("multiple_of", "a multiple of {}"),
)


@dataclass(frozen=True)
class Entry:
    """One key of a parameter group, as the reference shows it."""

    key: str  # dotted, from the group: ``model_selection.sampling.seed``
    type: str
    rules: tuple[str, ...]
    value: str | None  # as conf/base sets it (None: not set there)
    description: str
    model: type[BaseModel] | None  # a nested group of keys, listed under its own heading
    children: str | None  # the prefix of the nested keys: ``key``, ``key[]`` or ``key.<name>``
    comment: str  # the YAML comment as Markdown paragraphs (a nested group's introduction)


def field_entries(
    prefix: str,
    model: type[BaseModel],
    values: Any,
    comments: Mapping[tuple[str, ...], str],
) -> Iterator[Entry]:
    """Every key of ``model`` (depth first), named from ``prefix``, with base's ``values``."""
    for name, field in model.model_fields.items():
        key = f"{prefix}.{name}"
        value = values.get(name, _UNSET) if isinstance(values, Mapping) else _UNSET
        inner, wrap = _nested_model(field.annotation)
        # the file's comment is the one its readers see; the source's where the file has none
        described = field.description or _inline(comments.get(_yaml_path(key), ""))
        yield Entry(
            key=key,
            type=type_name(field.annotation),
            rules=_rules(field),
            value=None if value is _UNSET or inner is not None else _flow(value),
            description=described or _markdown(_source_comment(model, name)),
            comment=_blocks(comments.get(_yaml_path(key), "")),
            model=inner,
            children=None if inner is None else f"{key}{wrap}",
        )
        if inner is not None:  # a list's items or a mapping's entries have no base value
            yield from field_entries(f"{key}{wrap}", inner, _UNSET if wrap else value, comments)


def type_name(annotation: Any) -> str:
    """A type annotation in words a YAML editor reads: ``int or null``, ``list of str``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is not None:
        return _generic_name(origin, args)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"group `{annotation.__name__}`"
    return _SIMPLE_NAMES.get(annotation) or getattr(annotation, "__name__", str(annotation))


_SIMPLE_NAMES: dict[Any, str] = {type(None): "null", dt.date: "date (YYYY-MM-DD)", Any: "any"}


def _generic_name(origin: Any, args: tuple[Any, ...]) -> str:
    if origin in (Union, types.UnionType):
        named = [type_name(arg) for arg in args if arg is not type(None)]
        return " or ".join(named + (["null"] if type(None) in args else []))
    if origin is Literal:
        return "one of " + ", ".join(f"`{arg}`" for arg in args)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:  # tuple[X, ...]
            return f"list of {type_name(args[0])}"
        return "[" + ", ".join(type_name(arg) for arg in args) + "]"
    if origin is dict:
        return f"mapping of {type_name(args[0])} to {type_name(args[1])}"
    return type_name(args[0])  # Annotated[X, ...]: X


def render_reference(
    groups: Mapping[str, type[BaseModel]] | None = None, conf_dir: Path = BASE_CONF
) -> str:
    """The whole reference as MyST Markdown: one section per group, one line per key."""
    if groups is None:
        from customer_segmentation.pipeline_registry import PARAMETER_GROUPS  # noqa: PLC0415

        groups = PARAMETER_GROUPS
    values, comments, files = _base_configuration(conf_dir)
    lines: list[str] = []
    for group, model in groups.items():
        entries = list(field_entries(group, model, values.get(group, {}), comments))
        lines += [f"## `{group}`", ""]
        module_doc = (inspect.getdoc(sys.modules[model.__module__]) or "").split("\n\n", 1)
        about = module_doc[1] if len(module_doc) > 1 else None  # past "The x group, typed."
        lines += _paragraphs(
            _markdown(inspect.getdoc(model) or ""),
            _blocks(comments.get((group,), "")),
            _markdown(about or ""),
        )
        lines += [
            f"Set in `conf/base/{files.get(group, f'parameters_{group}.yml')}`; checked as "
            f"`{model.__name__}` (`{model.__module__}`) before a run starts.",
            "",
        ]
        lines += _keys_under(group, entries)
        for entry in entries:
            if entry.model is None or entry.children is None:
                continue
            lines += [f"### `{entry.key}`", ""]
            lines += _paragraphs(_markdown(inspect.getdoc(entry.model) or ""), entry.comment)
            lines += ["(" + "; ".join([entry.type, *entry.rules]) + ")", ""]
            lines += _keys_under(entry.children, entries)
    return "\n".join(lines).rstrip() + "\n"


# --- helpers -------------------------------------------------------------------------------

_UNSET: Any = object()


def _nested_model(annotation: Any) -> tuple[type[BaseModel] | None, str]:
    """The model a field holds and how: itself (``""``), per list item, or per mapping key."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, ""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType):
        for arg in args:
            inner, wrap = _nested_model(arg)
            if inner is not None:
                return inner, wrap
    if origin is tuple and args and isinstance(args[0], type) and issubclass(args[0], BaseModel):
        return args[0], ITEM
    if origin is dict and isinstance(args[1], type) and issubclass(args[1], BaseModel):
        return args[1], f".{NAME}"
    return None, ""


def _rules(field: FieldInfo) -> tuple[str, ...]:
    rules = []
    for constraint in field.metadata:
        for attribute, template in _CONSTRAINTS:
            bound = getattr(constraint, attribute, None)
            if bound is not None:
                rules.append(template.format(bound))
    if not field.is_required():
        default = field.get_default(call_default_factory=True)
        rules.append(f"optional (default `{_flow(default)}`)")
    return tuple(rules)


def _keys_under(prefix: str, entries: list[Entry]) -> list[str]:
    """The lines of the keys right below ``prefix`` that hold values (not nested groups)."""
    lines: list[str] = []
    for entry in entries:
        if entry.model is None and entry.key.rsplit(".", 1)[0] == prefix:
            lines += _entry_lines(entry)
    return [*lines, ""] if lines else []


def _flow(value: Any) -> str:
    """A value as compact YAML on one line (long lists and mappings: their size)."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10**6, sort_keys=False)
    text = text.strip().removesuffix("...").strip()
    if len(text) > 120:  # noqa: PLR2004 - about a line of the page
        size = len(value) if isinstance(value, list | dict | tuple) else None
        kind = "items" if isinstance(value, list | tuple) else "entries"
        return f"({size} {kind}: see the file)" if size is not None else text[:117] + "..."
    return text


def _entry_lines(entry: Entry) -> list[str]:
    facts = [entry.type, *entry.rules]
    if entry.value is not None:
        facts.append(f"base: `{entry.value}`")
    line = f"- **`{entry.key}`** ({'; '.join(facts)})"
    if entry.description:
        line += f": {entry.description}"
    return [line]


def _paragraphs(*texts: str) -> list[str]:
    """Markdown ``texts`` as paragraphs, the empty ones left out."""
    lines: list[str] = []
    for text in texts:
        if text:
            lines += [text, ""]
    return lines


def _markdown(text: str) -> str:
    """Text of a docstring or comment as Markdown: reStructuredText roles and literals as
    code, and outside code the characters Markdown would read as markup escaped."""
    text = re.sub(r":[a-z]+:`~?([^`]+)`", r"`\1`", text.strip())
    text = re.sub(r"``([^`]+)``", r"`\1`", text)
    parts = re.split(r"(`[^`]*`)", text)
    return "".join(
        part if part.startswith("`") else re.sub(r"([\\*<>\[\]_])", r"\\\1", part) for part in parts
    )


def _source_comment(model: type[BaseModel], name: str) -> str:
    """The comments of field ``name`` in the class that declares it: ``#:`` above, ``#`` after."""
    owner = next((c for c in model.__mro__ if name in c.__dict__.get("__annotations__", {})), None)
    if owner is None:
        return ""
    source, first_line = inspect.getsourcelines(owner)
    text = "".join(source)
    comments = {
        token.start[0]: token.string
        for token in tokenize.generate_tokens(io.StringIO(text).readline)
        if token.type == tokenize.COMMENT
    }
    body = ast.parse(text).body[0]
    for node in getattr(body, "body", []):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == name:
            above = []
            line = node.lineno - 1
            while line in comments and source[line - 1].lstrip().startswith("#"):
                above.insert(0, comments[line])
                line -= 1
            after = [comments[n] for n in range(node.lineno, node.end_lineno + 1) if n in comments]
            return " ".join(_comment_text(c) for c in above + after if _kept_comment(c))
    return ""


def _kept_comment(comment: str) -> bool:
    return not re.match(r"#\s*(noqa|type:|pragma)", comment)


def _comment_text(comment: str) -> str:
    return comment.lstrip("#:").strip()


def _comment_line(comment: str) -> str:
    """A YAML comment line without its ``#`` and one space: deeper indentation is kept."""
    return re.sub(r"^#+ ?", "", comment.strip()).rstrip()


def _inline(comment: str) -> str:
    """A comment of several lines as one line of Markdown."""
    return _markdown(" ".join(line.strip() for line in comment.splitlines()))


def _blocks(comment: str) -> str:
    """A comment as Markdown paragraphs; its indented lines (an example) as a YAML block."""
    blocks: list[tuple[bool, list[str]]] = []
    for line in comment.splitlines():
        indented = line.startswith("  ")
        if blocks and blocks[-1][0] == indented:
            blocks[-1][1].append(line)
        else:
            blocks.append((indented, [line]))
    parts = []
    for indented, lines in blocks:
        if indented:
            parts.append("```yaml\n" + textwrap.dedent("\n".join(lines)) + "\n```")
        else:
            parts.append(_markdown(" ".join(line.strip() for line in lines)))
    return "\n\n".join(parts)


def _yaml_path(key: str) -> tuple[str, ...]:
    return tuple(key.replace(ITEM, "." + ITEM).split("."))


def _base_configuration(
    conf_dir: Path,
) -> tuple[dict[str, Any], dict[tuple[str, ...], str], dict[str, str]]:
    """Base's parameters, the comments of their keys, and the file of each group."""
    values: dict[str, Any] = {}
    comments: dict[tuple[str, ...], str] = {}
    files: dict[str, str] = {}
    for path in sorted(conf_dir.glob("parameters*.yml")):
        text = path.read_text(encoding="utf-8")
        loaded = yaml.safe_load(text) or {}
        values.update(loaded)
        files.update(dict.fromkeys(loaded, path.name))
        comments.update(yaml_comments(text))
    return values, comments, files


_KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<dash>-\s+)?(?P<key>[A-Za-z_][\w-]*)\s*:(?P<rest>.*)$")


def yaml_comments(text: str) -> dict[tuple[str, ...], str]:
    """The comment of each key of a block-style YAML file, by path (list items as ``[]``).

    A key's comment is the block of comment lines right above it (no blank line between)
    plus the comment at the end of its line, continued on the comment lines below aligned
    with it.
    """
    comments: dict[tuple[str, ...], str] = {}
    stack: list[tuple[int, str]] = []
    pending: list[str] = []
    trailing: tuple[tuple[str, ...], int] | None = None  # the last key's end-of-line comment
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            pending, trailing = [], None
            continue
        if stripped.startswith("#"):
            column = len(line) - len(line.lstrip())
            if trailing is not None and column == trailing[1]:
                comments[trailing[0]] += "\n" + _comment_line(stripped)
            else:
                pending.append(_comment_line(stripped))
                trailing = None
            continue
        match = _KEY_LINE.match(line)
        if match is None:
            pending, trailing = [], None
            continue
        indent = len(match["indent"])
        if match["dash"]:
            while stack and stack[-1][0] >= indent:
                stack.pop()
            stack.append((indent, ITEM))
            indent += len(match["dash"])
        while stack and stack[-1][0] >= indent:
            stack.pop()
        stack.append((indent, match["key"]))
        path = tuple(key for _, key in stack)
        end_comment, column = _end_comment(match["rest"])
        parts = [*pending, end_comment] if end_comment else pending
        if parts:  # the items of a list share a path: their comments add up
            comments[path] = "\n".join([comments[path], *parts] if path in comments else parts)
        trailing = (path, len(line) - len(match["rest"]) + column) if end_comment else None
        pending = []
    return comments


def _end_comment(rest: str) -> tuple[str, int]:
    """The comment at the end of a YAML value (outside quotes) and its column in ``rest``."""
    quote = None
    for index, char in enumerate(rest):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or rest[index - 1].isspace()):
            return _comment_text(rest[index:]), index
    return "", -1


if __name__ == "__main__":
    sys.stdout.write(render_reference())
