"""The parts of a one-line message: text on one line, quoted lines, ``FileProblem``."""

from __future__ import annotations

import re
from dataclasses import dataclass

SNIPPET_CHARS = 60


def one_line(text: str) -> str:
    """``text`` with every line break and tab turned into a space."""
    return re.sub(r"[\r\n\t\v\f]+", " ", text).strip()


def snippet(text: str, width: int = SNIPPET_CHARS) -> str:
    """The start of a line of the file, on one line, cut at ``width`` characters."""
    text = one_line(text.rstrip("\r\n"))
    return text if len(text) <= width else text[: width - 3] + "..."


def message_line(dataset: str, problem: str, fix: str, line: int | None = None) -> str:
    """``dataset 'NAME'[, line N]: PROBLEM. Fix: FIX`` (the format of InputValidationError)."""
    where = f"dataset '{dataset}'" + (f", line {line}" if line is not None else "")
    return one_line(f"{where}: {problem.rstrip('.')}. Fix: {fix}")


@dataclass(frozen=True)
class FileProblem:
    """What is wrong with a file, where, and the fix."""

    problem: str
    fix: str
    line: int | None = None

    def message(self, dataset: str) -> str:
        return message_line(dataset, self.problem, self.fix, self.line)
