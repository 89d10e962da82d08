"""What a CSV reader (DuckDB, pandas) said about a file, completed from the file itself."""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

from customer_segmentation.diagnostics.csv_structure import (
    KIND_SAMPLE,
    BadLine,
    Columns,
    field_count_problem,
    guess_delimiter,
    quote_problem,
    structure_problem,
)
from customer_segmentation.diagnostics.file_content import (
    SCAN_LINES,
    CsvFile,
    content_problem,
    encoding_problem,
)
from customer_segmentation.diagnostics.messages import FileProblem, one_line, snippet


@dataclass(frozen=True)
class ReaderMessage:
    """The parts of a CSV reader's (DuckDB's or pandas') error message that locate it."""

    kind: str  # columns | quote | encoding | sniff | missing | other
    summary: str
    line: int | None = None
    original: str | None = None
    expected: int | None = None
    found: int | None = None
    file: str | None = None


NOISE = ("Possible fixes", "Possible Solution", "LINE 1:", "* ", "Hint:", "Original Line:")


def summary_of(text: str) -> str:
    """The first sentence of a reader's message, without its list of possible fixes."""
    kept: list[str] = []
    for line in text.strip().splitlines():
        stripped = line.strip()
        if not stripped and kept:
            break
        if stripped.startswith(NOISE):
            break
        if stripped:
            kept.append(stripped)
    summary = " ".join(kept) or one_line(text)
    summary = re.sub(r"^(Invalid Input|IO|Conversion|Binder) Error: ", "", summary)
    return summary if len(summary) <= 200 else summary[:197] + "..."


#: What a reader's message says, by the words it uses (the first match wins); a message
#: naming an expected field count is about columns unless it is about the encoding.
READER_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("unsupported_encoding", ("does not support the encoding",)),
    ("encoding", ("not utf-8 encoded", "not latin-1 encoded", "codec can't decode")),
    ("quote", ("unterminated quote", "eof inside string")),
    ("sniff", ("error when sniffing file",)),
    ("missing", ("no files found that match", "no such file")),
)


def _reader_kind(text: str, expected: int | None) -> str:
    lowered = text.lower()
    for kind, phrases in READER_KINDS:
        if any(phrase in lowered for phrase in phrases):
            if expected is not None and kind not in {"encoding", "unsupported_encoding"}:
                return "columns"
            return kind
    return "columns" if expected is not None else "other"


def parse_reader_message(text: str) -> ReaderMessage:
    """Read what a DuckDB or pandas CSV error says: the line, the fields, the file."""
    line = original = expected = found = file = None
    if match := re.search(r"CSV Error on Line: (\d+)", text):
        line = int(match.group(1))
    if match := re.search(r"^Original Line: (.*)$", text, re.MULTILINE):
        original = match.group(1)
    if match := re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", text):
        expected, found = int(match.group(1)), int(match.group(2))
    elif match := re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", text):
        expected, line, found = int(match.group(1)), int(match.group(2)), int(match.group(3))
    for pattern in (
        r"^\s*file = (.+?)\s*$",
        r'sniffing file "([^"]+)"',
        r'No files found that match the pattern "([^"]+)"',
    ):
        if match := re.search(pattern, text, re.MULTILINE):
            file = match.group(1)
            break
    kind = _reader_kind(text, expected)
    return ReaderMessage(kind, summary_of(text), line, original, expected, found, file)


def _tail(path: Path, size: int = 65536) -> bytes:
    with path.open("rb") as handle:
        handle.seek(max(0, path.stat().st_size - size))
        return handle.read()


def _first_records(file: CsvFile, count: int = 2) -> tuple[str, list[list[str]]]:
    """The delimiter and the first ``count`` records (header first) of a CSV."""
    with file.open() as handle:
        for _ in range(file.skip):
            handle.readline()
        first = handle.readline()
        delimiter = guess_delimiter(first, file.load_args)
        records: list[list[str]] = []
        for row in csv.reader(itertools.chain([first], handle), delimiter=delimiter):
            if row:
                records.append(row)
            if len(records) >= count:
                break
    return delimiter, records


def located_problem(said: ReaderMessage, file: CsvFile) -> FileProblem | None:
    """The problem at the line DuckDB names, completed from the file's header and last line."""
    if said.line is None or said.original is None:
        return None
    tail = _tail(file.path)
    ends_line = tail.endswith((b"\n", b"\r"))
    last_line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode("utf-8", "replace")
    last = last_line.rstrip("\r") == said.original.rstrip("\r")
    if said.kind == "quote":
        kind = "truncated" if last and not ends_line else "unterminated"
        return quote_problem(said.line, said.original, kind=kind, shown=file.shown)
    if said.kind != "columns" or said.expected is None:
        return None
    delimiter, records = _first_records(file, KIND_SAMPLE + 1)
    header = records[0] if records else []
    if len(header) != said.expected:
        header = [f"field {number}" for number in range(1, said.expected + 1)]
    fields = next(csv.reader([said.original], delimiter=delimiter), [])
    if len(fields) != said.found:
        fields = said.original.split(delimiter)
    bad = BadLine(said.line, fields, said.original, last=last, ends_line=ends_line)
    good = [record for record in records[1:] if len(record) == len(header)]
    return field_count_problem(bad, header, Columns.of(good), delimiter, file.shown)


def csv_reader_problem(text: str, file: CsvFile) -> FileProblem | None:
    """The one-line problem behind a CSV reader's error ``text``, or None if not known."""
    if not file.path.is_file():
        return None
    said = parse_reader_message(text)
    found = content_problem(file)
    if found is None and said.kind == "encoding":
        # DuckDB's line for an encoding error can be off: find the byte.
        found = encoding_problem(file, limit=None) or FileProblem(
            f"the file is not utf-8 encoded ('{snippet(said.original or '')}')",
            f"save the file as UTF-8, or set load_args encoding: latin-1 (the file's encoding) "
            f"for '{file.dataset}' in {file.catalog}",
            said.line,
        )
    if found is None and said.kind == "unsupported_encoding":
        found = FileProblem(
            f"DuckDB cannot read the encoding '{file.load_args.get('encoding')}' without an "
            "extension, and this project never downloads one (it reads utf-8, utf-16 and "
            "latin-1)",
            "save the file as UTF-8, or read it with pandas: set type: pandas.CSVDataset and "
            f"keep load_args encoding, with dtype: str and keep_default_na: false, for "
            f"'{file.dataset}' in {file.catalog}",
        )
    found = found or located_problem(said, file)
    if found is None:
        # The sniffer names no line (and pandas' numbers count records): read the file.
        sample = file.load_args.get("sample_size")
        limit = None if sample == -1 or said.kind != "sniff" else SCAN_LINES
        if isinstance(sample, int) and sample > SCAN_LINES:
            limit = sample + 1
        found = encoding_problem(file, limit) or structure_problem(file, limit)
    if found is None and said.kind == "sniff":
        found = FileProblem(
            f"the CSV format (separator, quoting) of {file.shown} could not be detected",
            "check that the file is text with one header line; if it is, set load_args delim "
            f"and quote for '{file.dataset}' in {file.catalog}",
        )
    if found is None and said.line is not None:
        found = FileProblem(
            said.summary, f"correct line {said.line} of {file.shown}, or re-export it", said.line
        )
    return found
