"""Files a reader rejects, and configuration that does not load, run as a user runs them.

Each case breaks the raw export or a file of ``conf/`` in a copy of the project, runs
``kedro run --env test`` and expects exit status 1, one line on stderr that names the line
(or the file, line and column) and the fix, and nothing written to the data layers.
Broken exports are the ones real exports produce: a file cut short, an unquoted comma or a
stray quote in a description, gzip bytes or a workbook under a ``.csv`` name, Excel's UTF-16
"Unicode Text", an HTML page saved in place of the export, a total line at the end.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.conftest import copy_project, editable_test_env_catalog, run_kedro
from tests.reliability.test_bad_input import one_error_line

pytestmark = pytest.mark.slow

RAW = Path("data/01_raw/transactions_test.csv")
BASE_RAW = Path("data/01_raw/transactions.csv")  # 40,000 lines: more than DuckDB samples
EXPORT = "data/01_raw/export.csv"
LAYERS = ("02_", "03_", "04_", "05_", "06_", "07_", "08_")


def use_export(project: Path, content: bytes) -> None:
    """Write ``content`` as the export and point the test environment's raw_transactions at it."""
    (project / EXPORT).write_bytes(content)
    path = project / "conf/test/catalog.yml"
    catalog = editable_test_env_catalog(project)
    catalog["raw_transactions"]["filepath"] = EXPORT
    path.write_text(yaml.safe_dump(catalog))


def raw_lines(project: Path, source: Path = RAW) -> list[str]:
    return (project / source).read_text().splitlines(keepends=True)


def unquoted_line(lines: list[str], near: int) -> int:
    """The index of the first line from ``near`` on without quotes (a plain description)."""
    return next(index for index in range(near, len(lines)) if '"' not in lines[index])


def set_description(line: str, description: str) -> str:
    fields = line.split(",")
    fields[2] = description
    return ",".join(fields)


def with_description(source: Path, near: int, edit: Callable[[str], str]):
    """Edit the description of the first plain line from ``near`` on; returns the line number."""

    def breaks(project: Path) -> None:
        lines = raw_lines(project, source)
        index = unquoted_line(lines, near)
        lines[index] = set_description(lines[index], edit(lines[index].split(",")[2]))
        use_export(project, "".join(lines).encode())

    return breaks


def line_number(source: Path, near: int) -> Callable[[Path], str]:
    """``line N``: the line ``with_description`` edits, counted as the user's editor does."""

    def expected(project: Path) -> str:
        return f"line {unquoted_line(raw_lines(project, source), near) + 1}"

    return expected


def truncate(project: Path) -> None:
    """A download cut short: the last line stops after two and a half fields, no line break."""
    lines = raw_lines(project)
    use_export(project, "".join([*lines[:-1], "489999,85123A,WHITE HANG"]).encode())


def add_total_line(project: Path) -> None:
    lines = raw_lines(project)
    use_export(project, "".join([*lines, "Total: 6000 lines\n"]).encode())


def prepend(relative: str, text: str) -> Callable[[Path], None]:
    def breaks(project: Path) -> None:
        path = project / relative
        path.write_text(text + path.read_text())

    return breaks


def misspell_type(project: Path) -> None:
    path = project / "conf/test/catalog.yml"
    catalog = editable_test_env_catalog(project)
    catalog["raw_transactions"]["type"] = "ibis.FileDatset"
    path.write_text(yaml.safe_dump(catalog))


def title_with_colon(project: Path) -> None:
    path = project / "conf/base/parameters_reporting.yml"
    path.write_text(
        path.read_text().replace(
            "  title: Customer segmentation report", "  title: Segments: March"
        )
    )


def title_line(project: Path) -> str:
    lines = (project / "conf/base/parameters_reporting.yml").read_text().splitlines()
    return f"line {lines.index('  title: Segments: March') + 1}, column 18"


@dataclass(frozen=True)
class Case:
    name: str
    breaks: Callable[[Path], None]
    # words the error line holds; a callable gives them from the broken project
    expected: tuple[str | Callable[[Path], str], ...]
    run_args: tuple[str, ...] = ("--env", "test")


CASES = [
    Case(
        "truncated last line",
        truncate,
        (
            "dataset 'raw_transactions', line 6001: data/01_raw/export.csv is truncated",
            "'489999,85123A,WHITE HANG'",
            "Fix: the file is truncated at line 6001: re-export it",
        ),
    ),
    Case(
        "unquoted comma in a description",
        with_description(RAW, 500, lambda text: f"{text}, LARGE"),
        (
            "dataset 'raw_transactions'",
            line_number(RAW, 500),
            "9 fields where the header has 8",
            "holds an unquoted ','",
            "Fix: quote the Description field in data/01_raw/export.csv",
        ),
    ),
    Case(
        # past the 20,480 lines DuckDB's sniffer samples: DuckDB itself names the line
        "unquoted comma in a description, deep in a large file",
        with_description(BASE_RAW, 30_000, lambda text: f"{text}, LARGE"),
        (
            "dataset 'raw_transactions'",
            line_number(BASE_RAW, 30_000),
            "holds an unquoted ','",
            "quote the Description field",
        ),
    ),
    Case(
        "stray quote in a description",
        with_description(RAW, 700, lambda text: f'"{text} 12" RULER'),
        ("dataset 'raw_transactions'", line_number(RAW, 700), "quote", 'as two ("12"" RULER")'),
    ),
    Case(
        "gzip bytes named .csv",
        lambda p: use_export(p, gzip.compress((p / RAW).read_bytes())),
        (
            "dataset 'raw_transactions'",
            "is compressed (gzip), not CSV text",
            "Fix: name it export.csv.gz",
            "or decompress it",
        ),
    ),
    Case(
        "Excel 'Unicode Text' (UTF-16, tab separated)",
        lambda p: use_export(p, (p / RAW).read_text().replace(",", "\t").encode("utf-16")),
        ("dataset 'raw_transactions'", "UTF-16 encoded", "load_args encoding: utf-16"),
    ),
    Case(
        "Excel workbook saved under a .csv name",
        lambda p: use_export(p, b"PK\x03\x04" + b"\x00" * 200),
        ("dataset 'raw_transactions'", "zip archive", "Excel"),
    ),
    Case(
        "HTML page saved in place of the export",
        lambda p: use_export(p, b"<!DOCTYPE html>\n<html><body>Session expired</body></html>\n"),
        ("dataset 'raw_transactions'", "HTML", "export the data again"),
    ),
    Case(
        "total line at the end",
        add_total_line,
        ("line 6002", "the last line has 1 of 8 fields ('Total: 6000 lines')", "delete line 6002"),
    ),
    Case(
        "unknown --env",
        lambda p: None,
        (
            "environment 'nosuch': there is no folder conf/nosuch",
            "base, customer_table",
            "test",
        ),
        run_args=("--env", "nosuch"),
    ),
    Case(
        "malformed YAML in a parameters file",
        prepend("conf/test/parameters.yml", "extra: [1, 2\nnext: 3\n"),
        (
            "config file 'conf/test/parameters.yml', line 2, column 5: not valid YAML",
            "close the list opened on line 1 with ']'",
        ),
    ),
    Case(
        "tab-indented YAML in catalog.yml",
        prepend("conf/test/catalog.yml", "raw_copy:\n\ttype: ibis.FileDataset\n"),
        (
            "config file 'conf/test/catalog.yml', line 2, column 1: not valid YAML",
            "indent with spaces",
        ),
    ),
    Case(
        "unquoted ': ' in a base parameters file",
        title_with_colon,
        ("config file 'conf/base/parameters_reporting.yml'", title_line, "quote the value"),
    ),
    Case(
        "duplicate key in a parameters file",
        prepend("conf/test/parameters.yml", "x: 1\nx: 2\n"),
        ("config file 'conf/test/parameters.yml', line 2", "duplicate key x"),
    ),
    Case(
        "misspelled dataset type",
        misspell_type,
        ("dataset 'raw_transactions'", "'ibis.FileDatset'", "conf/test/catalog.yml"),
    ),
]


def written_outputs(project: Path) -> list[Path]:
    """Files in the data layers a run writes (02_intermediate ... 08_reporting)."""
    return [
        path
        for path in (project / "data").rglob("*")
        if path.is_file() and any(part.startswith(LAYERS) for part in path.parts)
    ]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_a_reader_or_config_error_is_one_line(case: Case, tmp_path: Path):
    project = copy_project(tmp_path / "project")
    case.breaks(project)
    error_line = one_error_line(project, case.run_args)
    for expected in case.expected:
        words = expected(project) if callable(expected) else expected
        assert words in error_line, error_line
    assert len(error_line) < 400, error_line  # one_error_line: no traceback either
    assert written_outputs(project) == []


def test_verbose_shows_the_traceback(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    result = run_kedro(project, "run", "--env", "nosuch", "--verbose", check=False, timeout=300)
    assert result.returncode == 1
    assert "MissingConfigException" in result.stderr
    assert "Traceback" in result.stderr or "─" in result.stderr


def test_an_excel_csv_with_bom_crlf_and_semicolons_is_read(tmp_path: Path):
    """What Excel writes as "CSV UTF-8" in a semicolon locale: no error, the lines are read."""
    project = copy_project(tmp_path / "project")
    lines = raw_lines(project)
    plain = [line for line in lines if '"' not in line]  # quoted descriptions hold commas
    text = "".join(plain).replace(",", ";").replace("\n", "\r\n")
    use_export(project, b"\xef\xbb\xbf" + text.encode())
    run_kedro(project, "run", "--env", "test", "--pipelines", "data_processing", timeout=300)
    assert (project / "data/02_intermediate/clean_transactions.parquet").exists()
