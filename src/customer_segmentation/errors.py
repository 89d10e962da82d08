"""The one error type the pipelines raise for bad input data or bad parameters."""

from __future__ import annotations


class InputValidationError(ValueError):
    """Bad input data or configuration, reported on one line.

    The message names where the problem is (dataset, column and/or parameter), what is
    wrong, and what the user should change, so a monthly run that fails can be fixed
    from the message alone.
    """

    def __init__(
        self,
        problem: str,
        fix: str,
        *,
        dataset: str | None = None,
        column: str | None = None,
        parameter: str | None = None,
    ) -> None:
        self.dataset = dataset
        self.column = column
        self.parameter = parameter
        self.problem = problem
        self.fix = fix
        where = [
            f"{label} '{value}'"
            for label, value in (("dataset", dataset), ("column", column), ("parameter", parameter))
            if value is not None
        ]
        prefix = ", ".join(where) + ": " if where else ""
        super().__init__(f"{prefix}{problem}. Fix: {fix}")


# The configuration environment of the current run (`kedro run --env NAME`), set by
# the project CLI and `ParameterCheckHook` so that messages point at the file to edit.
_config_env: str | None = None


def set_config_env(env: str | None) -> None:
    """Remember the run's environment; the default one (``local``) means base files."""
    global _config_env  # noqa: PLW0603
    _config_env = "base" if env in (None, "local") else env


def config_file(filename: str) -> str:
    """Path of a configuration file in the run's environment, e.g. for an error's fix."""
    return f"conf/{_config_env or '<env>'}/{filename}"
