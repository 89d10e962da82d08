"""Which pipelines an environment runs: the ``pipelines`` key of ``conf/<env>/globals.yml``.

An environment made for one input shape says which pipelines it runs, e.g.
``conf/customer_table/globals.yml``::

    pipelines: [customer_table]

A run in that environment may run those pipelines or any part of them (``--pipelines
reporting``, ``--to-outputs data_quality_summary``: every node of the run belongs to a
declared pipeline). Anything else, such as ``kedro run --env customer_table`` alone, which
would run the invoice-line path (``__default__``) on that environment's data folder, stops
before any dataset is read or written, on one line that names the command to use:

    Error: environment 'customer_table' runs the pipeline customer_table (pipelines: in
    conf/customer_table/globals.yml), not __default__. Fix: kedro run --env customer_table
    --pipelines customer_table

An environment without the key (``base`` and those that only move files) runs any pipeline.
The check is :class:`customer_segmentation.hooks.EnvironmentPipelinesHook`.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from customer_segmentation.errors import InputValidationError

#: The key of ``globals.yml`` that lists an environment's pipelines.
KEY = "pipelines"
#: The pipeline Kedro runs when ``--pipelines`` is not given.
DEFAULT = "__default__"


def declared_pipelines(globals_: Mapping[str, Any], env: str) -> tuple[str, ...] | None:
    """The pipelines the environment's ``globals.yml`` declares, or None (any pipeline)."""
    value = globals_.get(KEY)
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    if (
        not isinstance(names, Sequence)
        or not names
        or not all(isinstance(name, str) and name.strip() for name in names)
    ):
        raise InputValidationError(
            f"'{KEY}' in conf/{env}/globals.yml is {value!r}",
            f"list the pipelines this environment runs, e.g. '{KEY}: [customer_table]', or "
            "remove the key to allow every pipeline",
        )
    return tuple(names)


def check_run(
    env: str,
    declared: Sequence[str],
    requested: Sequence[str] | None,
    run_nodes: Collection[str],
    nodes_of: Callable[[str], Collection[str] | None],
) -> None:
    """Raise :class:`InputValidationError` unless the run is (part of) a declared pipeline.

    ``requested`` are the ``--pipelines`` names (None or empty: ``__default__``),
    ``run_nodes`` the names of the nodes the run would execute, ``nodes_of(name)`` the node
    names of a registered pipeline (None when it is not registered).
    """
    names = list(requested or [DEFAULT])
    if set(names) <= set(declared):
        return
    allowed: set[str] = set()
    for name in declared:
        nodes = nodes_of(name)
        if nodes is None:
            raise InputValidationError(
                f"'{KEY}' in conf/{env}/globals.yml names '{name}', which is not a pipeline",
                "name pipelines that pipeline_registry.py registers",
            )
        allowed |= set(nodes)
    if set(run_nodes) <= allowed:
        return
    kind = "pipeline" if len(declared) == 1 else "pipelines"
    raise InputValidationError(
        f"environment '{env}' runs the {kind} {', '.join(declared)} ({KEY}: in "
        f"conf/{env}/globals.yml), not {', '.join(names)}",
        f"kedro run --env {env} --pipelines {declared[0]}",
    )
