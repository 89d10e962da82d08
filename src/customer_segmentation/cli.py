"""Project command line: Kedro's own commands, with ``run`` reporting bad input on one line.

Kedro loads this module for the project commands (``kedro run`` ...). Bad input data or
configuration ends the run with a one-line ``Error: ...`` naming what to fix and exit status
1; ``kedro run --verbose`` shows the full traceback instead.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.io import DatasetError

from customer_segmentation.errors import InputValidationError, config_file, set_config_env


@click.group(name="customer-segmentation")
def cli() -> None:
    """Commands of the customer-segmentation project."""


def dataset_error_line(error: DatasetError) -> str:
    """One line for a dataset that cannot be read or written (missing or corrupt file ...)."""
    name, _, detail = str(error).partition(":")
    # "Failed while loading data from dataset <repr>.\n<what the reader said>\n\n<details>":
    # keep the reader's first paragraph, without the echo of the offending line.
    _, _, said = detail.strip().partition("\n")
    paragraph = said.strip().split("\n\n")[0].splitlines() or [detail]
    problem = " ".join(line.strip() for line in paragraph if not line.startswith("Original Line:"))
    return (
        f"dataset '{name.strip()}': could not be read or written: {problem}. Fix: check the "
        f"file, and the entry's filepath, type and load_args in {config_file('catalog.yml')}"
    )


def _one_line_errors(callback: Callable[..., Any]) -> Callable[..., Any]:
    """Turn bad-input errors into a one-line click error unless ``--verbose`` is given."""

    @functools.wraps(callback)
    def run(*args: Any, verbose: bool = False, **kwargs: Any) -> Any:
        set_config_env(kwargs.get("env"))
        try:
            return callback(*args, **kwargs)
        except InputValidationError as error:
            if verbose:
                raise
            raise click.ClickException(str(error)) from None
        except DatasetError as error:
            if verbose:
                raise
            raise click.ClickException(dataset_error_line(error)) from None

    return run


run = copy.copy(kedro_run)
run.params = [
    *kedro_run.params,
    click.Option(["--verbose"], is_flag=True, help="Show the full traceback of a bad-input error."),
]
run.callback = _one_line_errors(kedro_run.callback)
cli.add_command(run)
