"""Project command line: Kedro's own commands, with ``run`` reporting bad input on one line.

Kedro loads this module for the project commands (``kedro run`` ...). Bad input data or
configuration ends the run with a one-line ``Error: ...`` naming what to fix and exit status
1; ``kedro run --verbose`` shows the full traceback instead. Besides the project's own
:class:`InputValidationError`, the run recognises:

- a dataset that cannot be read or written (``DatasetError``), and a CSV that DuckDB rejects
  while a node reads it: the message names the line, quotes its start and says the fix. Where
  the reader names no line (DuckDB's dialect sniffer), or reads a broken file as a single
  column, the file itself is read to find the line. Only a cause in the catalog entry (a
  missing file, a wrong type or format) points at ``catalog.yml``;
- an unknown ``--env``, a YAML file in ``conf/`` that does not parse (file, line and column),
  and two files of an environment that define the same key.

The explaining is done by :mod:`customer_segmentation.diagnostics`; this module only adds
``--verbose`` to Kedro's ``run`` and prints the line. ``--verbose`` also brings back the log
lines ``conf/logging.yml`` keeps quiet (:data:`VERBOSE_LOGGERS`: every dataset load and save,
every node's signature); Kedro 1.7's own ``--verbose`` (on ``kedro new``, ``pipeline create``
...) only shows tracebacks, and ``kedro run`` has none.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
from collections.abc import Callable
from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.project import LOGGING

from customer_segmentation.diagnostics.project import Project
from customer_segmentation.diagnostics.run_errors import error_line
from customer_segmentation.errors import InputValidationError, set_config_env

#: Loggers ``conf/logging.yml`` sets above INFO that ``kedro run --verbose`` shows at INFO: the
#: data catalog ("Loading data from ...", "Saving data to ...") and "Running node: ...".
VERBOSE_LOGGERS = ("kedro.io", "kedro.pipeline.node")


def show_verbose_logs() -> None:
    """Log :data:`VERBOSE_LOGGERS` at INFO (or lower, if the logging file says so) for this
    process and, through Kedro's logging configuration, the ParallelRunner's workers."""
    loggers = LOGGING.data.setdefault("loggers", {})
    for name in VERBOSE_LOGGERS:
        logger = logging.getLogger(name)
        if logger.getEffectiveLevel() > logging.INFO:
            logger.setLevel(logging.INFO)
            entry = loggers.get(name)
            loggers[name] = {**(entry if isinstance(entry, dict) else {}), "level": "INFO"}


@click.group(name="customer-segmentation")
def cli() -> None:
    """Commands of the customer-segmentation project."""


def _safe_error_line(error: BaseException, project: Project) -> str | None:
    try:
        return error_line(error, project)
    except Exception:  # explaining must never hide the error itself
        if isinstance(error, InputValidationError):
            return str(error)
        return None


def _one_line_errors(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input errors into a one-line click error unless ``--verbose`` is given."""

    @functools.wraps(callback)
    def run(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        set_config_env(kwargs.get("env") or os.environ.get("KEDRO_ENV"))
        if verbose:
            show_verbose_logs()
        try:
            return callback(*args, **kwargs)
        except click.ClickException:
            raise
        except Exception as error:
            if verbose:
                raise
            line = _safe_error_line(error, Project(kwargs.get("env"), kwargs.get("conf_source")))
            if line is None:
                raise
            raise click.ClickException(line) from None

    return run


run = copy.copy(kedro_run)
run.params = [
    *kedro_run.params,
    click.Option(
        ["--verbose"],
        is_flag=True,
        help="Log every dataset load and save, and show the full traceback of a bad-input error.",
    ),
]
run.callback = _one_line_errors(kedro_run.callback)
cli.add_command(run)
