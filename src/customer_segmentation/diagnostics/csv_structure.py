"""The lines of a CSV file: separator, quotes and the number of fields of each line.

``structure_problem`` reads the file with a strict ``csv.reader`` for the first line it
rejects, and says which column holds an unquoted separator; ``file_problem`` runs every
check of the file (its content, its encoding, then its lines).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from customer_segmentation.diagnostics.file_content import (
    SCAN_LINES,
    CsvFile,
    content_problem,
    encoding_problem,
)
from customer_segmentation.diagnostics.messages import FileProblem, snippet

DELIMITERS = (",", ";", "\t", "|")


def guess_delimiter(header: str, load_args: dict[str, Any]) -> str:
    """The separator the entry sets, else the candidate the header line holds most of."""
    for key in ("delim", "sep", "delimiter"):
        if load_args.get(key):
            return str(load_args[key])
    counts = {delimiter: header.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def _kind(value: str) -> str:
    value = value.strip()
    if not value:
        return "empty"
    try:
        float(value)
    except ValueError:
        return "text"
    return "number"


#: Good lines whose values show the kind (number, text, empty) each column takes.
KIND_SAMPLE = 100
THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def _traits(value: str) -> frozenset[str]:
    """Which of letters, digits, spaces and other signs ``value`` holds."""
    value = value.strip()
    return frozenset(
        trait
        for trait, present in (
            ("letter", any(c.isalpha() for c in value)),
            ("digit", any(c.isdigit() for c in value)),
            ("space", " " in value),
            ("sign", any(not c.isalnum() and c != " " for c in value)),
        )
        if present
    )


def _shape(value: str) -> str:
    """``value`` with each run of letters written ``A`` and of digits ``9`` (``29869R``: 9A)."""
    return re.sub(r"\d+", "9", re.sub(r"[^\W\d_]+", "A", value.strip()))


@dataclass(frozen=True)
class Columns:
    """What the values of each column look like in the good lines of a file."""

    kinds: list[set[str]]  # number, text, empty
    traits: list[set[frozenset[str]]]
    shapes: list[set[str]]
    values: list[set[str]]

    @classmethod
    def of(cls, rows: list[list[str]]) -> Columns:
        width = len(rows[0]) if rows else 0
        kinds: list[set[str]] = [set() for _ in range(width)]
        traits: list[set[frozenset[str]]] = [set() for _ in range(width)]
        shapes: list[set[str]] = [set() for _ in range(width)]
        values: list[set[str]] = [set() for _ in range(width)]
        for row in rows:
            for column, value in enumerate(row[:width]):
                kinds[column].add(_kind(value))
                traits[column].add(_traits(value))
                shapes[column].add(_shape(value))
                values[column].add(value)
        return cls(kinds, traits, shapes, values)

    def fits(self, merged: list[str], joined_at: int, delimiter: str) -> tuple[int, int]:
        """How many values of ``merged`` are shaped like, and are, values of their column.

        The joined value, its separators read as spaces, counts when its traits (letters,
        digits, spaces, signs) are those of a value of its column: a stock code never holds
        a space, a description does.
        """
        shapes = values = 0
        for column, value in enumerate(merged[: len(self.shapes)]):
            if column == joined_at:
                shapes += _traits(value.replace(delimiter, " ")) in self.traits[column]
                continue
            shapes += _shape(value) in self.shapes[column]
            values += value in self.values[column]
        return shapes, values


def unquoted_delimiter(
    fields: list[str], header: list[str], columns: Columns, delimiter: str
) -> tuple[str, str]:
    """The column whose value holds the extra separators of ``fields``, and that value.

    Each way of joining the extra fields back into one column is scored by how many values
    then have a kind (number, text, empty) their column takes in the good lines. Ties go to
    a number with a thousands separator (``84,800``), then to a value that goes on after the
    separator with a space (``WASHBAG, LARGE``), then to the join whose values look more
    like their column's (``29869R`` in StockCode, a joined value with spaces in
    Description), then holds more values the column holds (``Male`` in gender), then to a
    text column.
    """
    extra = len(fields) - len(header)
    best: tuple[int, ...] | None = None
    chosen = 0
    for index in range(len(header)):
        joined = delimiter.join(fields[index : index + extra + 1])
        merged = [*fields[:index], joined, *fields[index + extra + 1 :]]
        value_kinds = [_kind(value) for value in merged]
        value_kinds[index] = _kind(joined.replace(delimiter, ""))
        matches = sum(kind in good for kind, good in zip(value_kinds, columns.kinds, strict=False))
        numeric = index < len(columns.kinds) and columns.kinds[index] <= {"number", "empty"}
        thousands = int(numeric and THOUSANDS.fullmatch(joined) is not None)
        spaced = sum(field.startswith(" ") for field in fields[index + 1 : index + extra + 1])
        text = int(index < len(columns.kinds) and "text" in columns.kinds[index])
        score = (
            matches,
            thousands,
            spaced,
            *columns.fits(merged, index, delimiter),
            text,
            -index,
        )
        if best is None or score > best:
            best, chosen = score, index
    return header[chosen], delimiter.join(fields[chosen : chosen + extra + 1])


@dataclass(frozen=True)
class BadLine:
    """A line whose number of fields differs from the header's."""

    number: int
    fields: list[str]
    text: str  # the line as written
    last: bool  # the last line of the file
    ends_line: bool  # ends with a line break (a truncated file does not)


def field_count_problem(
    line: BadLine,
    header: list[str],
    columns: Columns,
    delimiter: str,
    shown: str,
) -> FileProblem:
    """Why ``line`` has more or fewer fields than the header, and the fix."""
    expected, found, number = len(header), len(line.fields), line.number
    quoted = snippet(line.text)
    if found > expected:
        column, value = unquoted_delimiter(line.fields, header, columns, delimiter)
        sep = "a tab" if delimiter == "\t" else f"'{delimiter}'"
        number_text = _kind(value.replace(delimiter, "")) == "number"
        value = snippet(value, 40)
        return FileProblem(
            f"{found} fields where the header has {expected}: the {column} value '{value}' "
            f"holds an unquoted {sep} ('{quoted}')",
            f'quote the {column} field in {shown} ("{value}")'
            + (" or write its numbers without a thousands separator" if number_text else "")
            + ", or export the file again with text fields quoted",
            number,
        )
    if line.last and not line.ends_line:
        return FileProblem(
            f"{shown} is truncated: its last line stops after {found} of {expected} fields "
            f"('{quoted}')",
            f"the file is truncated at line {number}: re-export it (or copy it again)",
            number,
        )
    if line.last:
        return FileProblem(
            f"the last line has {found} of {expected} fields ('{quoted}'): a total or footer "
            "line, or an export cut short",
            f"delete line {number} of {shown}, or re-export the file",
            number,
        )
    return FileProblem(
        f"{found} fields where the header has {expected} ('{quoted}')",
        f"complete or delete line {number} of {shown} (a line break inside a text field splits "
        "a line in two: quote that field)",
        number,
    )


def quote_problem(number: int, text: str, *, kind: str, shown: str) -> FileProblem:
    """A quote problem on line ``number``: ``truncated``, ``unterminated`` or ``stray``."""
    quoted = snippet(text)
    if kind == "truncated":
        return FileProblem(
            f"{shown} is truncated: its last line stops inside a quoted field ('{quoted}')",
            f"the file is truncated at line {number}: re-export it (or copy it again)",
            number,
        )
    if kind == "unterminated":
        return FileProblem(
            f"a quote opened on this line is never closed ('{quoted}')",
            f'close the quote, or write a quote inside a field as two (""), on line {number} '
            f"of {shown}",
            number,
        )
    return FileProblem(
        f"a quoted field goes on after its closing quote ('{quoted}')",
        f'write a quote inside a field as two ("12"" RULER") on line {number} of {shown}, or '
        "quote the whole field",
        number,
    )


def _csv_error_problem(
    error: csv.Error, physical: list[str], start: int, end: int, shown: str
) -> FileProblem:
    """What a strict ``csv.reader`` error means for the record on lines ``start``..``end``."""
    text = physical[0] if physical else ""
    said = str(error)
    if "NUL" in said:
        return FileProblem(
            f"this file ({shown}) holds NUL bytes from line {start} on: binary data, not CSV text",
            "export the data again as CSV (UTF-8)",
            start,
        )
    if "expected after" in said and len(physical) <= 1:
        return quote_problem(end, text, kind="stray", shown=shown)
    if "expected after" in said:
        # a quote opened on ``start`` ran over line breaks until a later quote closed it
        return quote_problem(start, text, kind="unterminated", shown=shown)
    cut = len(physical) == 1 and not text.endswith(("\n", "\r")) and "end of" in said
    return quote_problem(start, text, kind="truncated" if cut else "unterminated", shown=shown)


def structure_problem(file: CsvFile, limit: int | None = SCAN_LINES) -> FileProblem | None:
    """Read the CSV line by line for the first line a strict reader would reject."""
    try:
        handle = file.open()
    except (OSError, LookupError):
        return None
    with handle:
        for _ in range(file.skip):
            handle.readline()
        first = handle.readline()
        delimiter = guess_delimiter(first, file.load_args)
        quote = str(file.load_args.get("quote") or file.load_args.get("quotechar") or '"')
        physical: list[str] = []  # the lines of the record being read

        def lines() -> Iterator[str]:
            if first:
                physical.append(first)
                yield first
            for line in handle:
                physical.append(line)
                yield line

        source = lines()
        reader = csv.reader(source, delimiter=delimiter, quotechar=quote, strict=True)
        header: list[str] | None = None
        good: list[list[str]] = []  # the first good lines, for the kinds of each column
        while limit is None or reader.line_num < limit:
            physical.clear()
            start = reader.line_num + 1 + file.skip
            try:
                row = next(reader)
            except StopIteration:
                return None
            except csv.Error as error:
                end = reader.line_num + file.skip
                return _csv_error_problem(error, physical, start, end, file.shown)
            if not row:
                continue
            if header is None:
                header = row
                continue
            if len(row) == len(header):
                if len(good) < KIND_SAMPLE:
                    good.append(row)
                continue
            record = "".join(physical)
            following = next((line for line in source if line.strip()), None)
            bad = BadLine(
                start,
                row,
                physical[0] if physical else record,
                last=following is None,
                ends_line=record.endswith(("\n", "\r")),
            )
            return field_count_problem(bad, header, Columns.of(good), delimiter, file.shown)
    return None


def file_problem(file: CsvFile, limit: int | None = SCAN_LINES) -> FileProblem | None:
    """Whatever the file shows is wrong with it as CSV, reading at most ``limit`` lines."""
    if not file.path.is_file() or file.path.stat().st_size == 0:
        return None
    return content_problem(file) or encoding_problem(file, limit) or structure_problem(file, limit)
