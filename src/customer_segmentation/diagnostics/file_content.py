"""What a CSV file of the catalog holds: not text at all (magic bytes), or not UTF-8."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from customer_segmentation.diagnostics.messages import SNIPPET_CHARS, FileProblem, snippet

#: Lines of a CSV read to find a problem that the reader did not locate. DuckDB's sniffer
#: reads 20,480 rows (``sample_size``): a broken line it reads as one column, or that stops
#: it, is among them; a problem further on is reported by DuckDB itself, with its line.
SCAN_LINES = 50_000
CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
COMPRESSED_SUFFIXES = {".gz", ".gzip", ".zst", ".bz2", ".xz", ".zip"}


@dataclass(frozen=True)
class CsvFile:
    """A CSV file of the catalog, with what a message about it needs."""

    path: Path
    dataset: str  # the catalog entry that reads it
    load_args: dict[str, Any]
    catalog: str  # the catalog file that declares the entry, e.g. conf/test/catalog.yml
    shown: str  # the path as a user types it, e.g. data/01_raw/export.csv

    @property
    def encoding(self) -> str | None:
        """The encoding the entry sets, if any, as Python spells it."""
        encoding = self.load_args.get("encoding")
        return str(encoding).lower().replace("_", "-") if encoding else None

    @property
    def skip(self) -> int:
        skip = self.load_args.get("skip", self.load_args.get("skiprows", 0))
        return skip if isinstance(skip, int) and skip > 0 else 0

    def open(self) -> Any:
        return self.path.open(encoding=self.encoding or "utf-8-sig", errors="replace", newline="")


# (leading bytes, what the file is, the name suffix the readers decompress by themselves)
MAGIC: tuple[tuple[bytes, str, str | None], ...] = (
    (b"\x1f\x8b", "compressed (gzip)", ".gz"),
    (b"\x28\xb5\x2f\xfd", "compressed (zstd)", ".zst"),
    (b"\xfd7zXZ\x00", "compressed (xz)", None),
    (b"PK\x03\x04", "a zip archive (an Excel .xlsx workbook is one)", None),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 (.xls) workbook", None),
    (b"PAR1", "a Parquet file", None),
)
MARKUP = (b"<!doctype html", b"<html", b"<?xml", b"<head", b"<body")


def is_csv_entry(entry: dict[str, Any], path: Path | None) -> bool:
    """Whether a catalog entry reads a CSV (text) file."""
    kind = str(entry.get("type", "")).lower()
    file_format = str(entry.get("file_format", "")).lower()
    if "csv" in kind or file_format == "csv":
        return True
    return path is not None and path.suffix.lower() in CSV_SUFFIXES and not file_format


def _magic_fix(file: CsvFile, magic: bytes, suffix: str | None) -> str | None:
    """How to read a file that is not text, or None when its name already says how."""
    if suffix is not None:
        if file.path.suffix.lower() in COMPRESSED_SUFFIXES or file.load_args.get("compression"):
            return None
        return (
            f"name it {file.path.name}{suffix} (the readers decompress it; set that filepath of "
            f"'{file.dataset}' in {file.catalog}) or decompress it"
        )
    if magic == b"PAR1":
        return (
            "read it as Parquet: file_format: parquet (ibis.FileDataset) or type "
            f"pandas.ParquetDataset, without the CSV load_args, for '{file.dataset}' in "
            f"{file.catalog}"
        )
    if magic == b"PK\x03\x04":
        return (
            'if it is a workbook, save it from Excel as "CSV UTF-8" (or read it with type '
            f"pandas.ExcelDataset for '{file.dataset}' in {file.catalog}); otherwise unzip it"
        )
    if magic.startswith(b"\xd0\xcf"):
        return 'save it from Excel as "CSV UTF-8"'
    return "decompress it"


def content_problem(file: CsvFile) -> FileProblem | None:
    """A file that is not CSV text at all: compressed, a workbook, Parquet, UTF-16, HTML."""
    try:
        with file.path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    for magic, what, suffix in MAGIC:
        if head.startswith(magic):
            fix = _magic_fix(file, magic, suffix)
            return (
                FileProblem(f"this file ({file.shown}) is {what}, not CSV text", fix)
                if fix
                else None
            )
    utf16 = (file.encoding or "").startswith("utf-16")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not utf16:
        return FileProblem(
            f'this file ({file.shown}) is UTF-16 encoded (Excel\'s "Unicode Text"), not utf-8 '
            "encoded",
            f"save it as \"CSV UTF-8\", or set load_args encoding: utf-16 for '{file.dataset}' "
            f"in {file.catalog}",
        )
    if head.removeprefix(codecs.BOM_UTF8).lstrip().lower().startswith(MARKUP):
        return FileProblem(
            f"this file ({file.shown}) is an HTML or XML page, not CSV text (often a login or "
            "error page saved in place of the export)",
            "download or export the data again",
        )
    return None


#: Encodings DuckDB reads without an extension, as Python spells them; latin-1 refuses the
#: bytes 0x80-0x9F (control characters there, letters and signs in Windows-1252).
UTF8 = {"utf-8", "utf8", "utf-8-sig"}
LATIN1 = {"latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1"}
WINDOWS_1252_ONLY = bytes(range(0x80, 0xA0))


def encoding_problem(file: CsvFile, limit: int | None = SCAN_LINES) -> FileProblem | None:
    """The first line the entry's encoding cannot read (UTF-8, or latin-1 in DuckDB)."""
    encoding = file.encoding or "utf-8"
    if encoding not in UTF8 | LATIN1:
        return None
    try:
        with file.path.open("rb") as handle:
            for number, line in enumerate(handle, 1):
                raw = line.removeprefix(codecs.BOM_UTF8) if number == 1 else line
                position = _first_unreadable(raw, encoding)
                if position is not None:
                    return _not_utf8(file, number, raw, position)
                if limit is not None and number >= limit:
                    break
    except OSError:
        return None
    return None


def _first_unreadable(raw: bytes, encoding: str) -> int | None:
    if encoding in LATIN1:
        found = [raw.find(bytes([byte])) for byte in WINDOWS_1252_ONLY]
        return min((position for position in found if position >= 0), default=None)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.start
    return None


def _not_utf8(file: CsvFile, number: int, raw: bytes, position: int) -> FileProblem:
    before = raw[:position].decode("utf-8", "backslashreplace")
    text = raw.decode("utf-8", "backslashreplace").rstrip("\r\n")
    start = max(0, len(before) - SNIPPET_CHARS // 2)
    shown = ("..." if start else "") + snippet(text[start:])
    byte = raw[position]
    # the bytes UTF-8 cannot read (a UTF-8 sign elsewhere on the line may use 0x80-0x9F)
    unread = {ord(char) - 0xDC00 for char in raw.decode("utf-8", "surrogateescape")}
    if unread & set(WINDOWS_1252_ONLY):
        # latin-1 would read these as control characters, and DuckDB refuses them
        sign = bytes([byte]).decode("cp1252", "replace")
        return FileProblem(
            f"the file is Windows-1252 (cp1252) encoded: byte 0x{byte:02X} ('{sign}' in "
            f"Windows-1252) in '{shown}'; DuckDB reads only utf-8, utf-16 and latin-1",
            "save the file as UTF-8, or read it with pandas: set type: pandas.CSVDataset and "
            "load_args encoding: cp1252, dtype: str, keep_default_na: false for "
            f"'{file.dataset}' in {file.catalog}",
            number,
        )
    return FileProblem(
        f"the file is not utf-8 encoded: byte 0x{raw[position]:02X} in '{shown}' (Windows and "
        "Excel exports are often latin-1)",
        f"save the file as UTF-8, or set load_args encoding: latin-1 (the file's encoding) for "
        f"'{file.dataset}' in {file.catalog}",
        number,
    )
