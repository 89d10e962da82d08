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
