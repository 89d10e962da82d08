"""Errors of a dataset: a file that cannot be read or written, or a bad CSV a node reads."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kedro.io import DatasetError

from customer_segmentation.diagnostics.causes import error_chain
from customer_segmentation.diagnostics.csv_structure import file_problem
from customer_segmentation.diagnostics.file_content import CsvFile, is_csv_entry
from customer_segmentation.diagnostics.messages import message_line
from customer_segmentation.diagnostics.project import Project
from customer_segmentation.diagnostics.reader_messages import (
    csv_reader_problem,
    parse_reader_message,
    summary_of,
)
from customer_segmentation.errors import InputValidationError, config_file


def _has_errno(error: BaseException, number: int, words: str) -> bool:
    return any(
        getattr(cause, "errno", None) == number or words in str(cause).lower()
        for cause in error_chain(error)
    )


def _config_parse_line(name: str, said: str, project: Project) -> str:
    """A catalog entry Kedro cannot build a dataset from (unknown type, bad argument)."""
    catalog = project.catalog_file(name)
    said = summary_of(said).partition(". ")[0]
    if "not found in" in said or "make sure the dataset name is correct" in said.lower():
        kind = project.catalog.get(name, {}).get("type")
        return message_line(
            name,
            f"type '{kind}' is not a dataset type Kedro can load ({said})",
            f"correct the type of '{name}' in {catalog} (e.g. ibis.FileDataset, "
            "pandas.CSVDataset), or install the kedro-datasets extra it needs",
        )
    return message_line(
        name, f"its catalog entry is not valid: {said}", f"correct the entry '{name}' in {catalog}"
    )


@dataclass(frozen=True)
class FailedDataset:
    """A dataset that failed to load or save: its entry, file and what the library said."""

    name: str
    saving: bool
    entry: dict[str, Any]
    path: Path | None
    said: str  # the message of the innermost cause (the library's own words)
    project: Project

    @classmethod
    def of(cls, error: DatasetError, project: Project) -> FailedDataset:
        text = str(error)
        head, _, detail = text.partition(": ")
        name = head.strip() if head.strip() and " " not in head.strip() else "?"
        path = project.filepath(name)
        if path is None and (match := re.search(r"filepath=(?:\w*Path\()?'([^']+)'", text)):
            path = Path(match.group(1))
        root = list(error_chain(error))[-1]
        said = str(root) if root is not error else detail.partition("\n")[2]
        entry = project.catalog.get(name, {})
        return cls(name, "Failed while saving" in text, entry, path, said, project)

    @property
    def shown(self) -> str:
        return self.project.show(self.path) if self.path is not None else "the file"

    @property
    def folder(self) -> str:
        return self.project.show(self.path.parent) if self.path is not None else "its folder"

    @property
    def catalog(self) -> str:
        return self.project.catalog_file(self.name)

    @property
    def filepath_setting(self) -> str:
        """Where the user sets this entry's filepath: a globals key, or the entry itself."""
        key = self.project.filepath_global(self.name)
        if key:
            return f"{key} in {self.project.globals_file(key)}"
        return f"the filepath of '{self.name}' in {self.catalog}"

    def csv_file(self) -> CsvFile | None:
        if self.path is None or not is_csv_entry(self.entry, self.path):
            return None
        load_args = self.entry.get("load_args") or {}
        return CsvFile(self.path, self.name, load_args, self.catalog, self.shown)


def _system_line(failed: FailedDataset, error: DatasetError) -> str | None:
    """A full disk, a file-size limit or a permission the file system refused."""
    if _has_errno(error, errno.ENOSPC, "no space left on device"):
        return message_line(
            failed.name,
            f"the disk is full: {failed.shown} could not be written",
            f"free space on the disk that holds {failed.folder} (or point data_root in "
            f"{config_file('globals.yml')} at a disk with room), then run again",
        )
    if _has_errno(error, errno.EFBIG, "file too large"):
        return message_line(
            failed.name,
            f"the file grew beyond the size this process may write: {failed.shown} could not "
            "be written",
            "raise the file-size limit of the shell or job that runs kedro (ulimit -f, or the "
            "scheduler's quota), or write to a file system that allows larger files, then run "
            "again",
        )
    if _has_errno(error, errno.EACCES, "permission denied"):
        verb, access = ("written", "write") if failed.saving else ("read", "read")
        return message_line(
            failed.name,
            f"permission denied: {failed.shown} cannot be {verb}",
            f"give the user running kedro {access} access to {failed.shown} (and its folder)",
        )
    return None


def _version_line(failed: FailedDataset, error: DatasetError) -> str | None:
    """A versioned dataset read before any run saved it, or a pinned version that is not."""
    path, text = failed.path, " ".join(str(cause) for cause in error_chain(error))
    if failed.saving or path is None or not failed.entry.get("versioned"):
        return None
    saved = sorted(
        (file.parent.name for file in path.glob(f"*/{path.name}") if file.is_file()), reverse=True
    )
    if "did not find any versions" in text.lower() or (not saved and not path.exists()):
        return message_line(
            failed.name,
            f"no version of {failed.shown} has been saved yet",
            "run the pipeline that writes it first (`kedro run` fits and saves the model)",
        )
    # the message holds the absolute path: <file name>/<version>/<file name>
    pinned = re.search(re.escape(path.name) + r"/([^/]+)/" + re.escape(path.name), text)
    if pinned is None or (path / pinned.group(1)).exists():
        return None
    shown = ", ".join(saved[:3]) + (", ..." if len(saved) > 3 else "")
    return message_line(
        failed.name,
        f"version {pinned.group(1)} does not exist; saved versions, newest first: {shown}",
        f"pin one of them (--load-versions {failed.name}:<version>), or leave "
        "--load-versions out to read the newest",
    )


def _path_line(failed: FailedDataset) -> str | None:
    """A file that is not where the catalog says (the one case the catalog is the cause)."""
    path = failed.path
    if failed.saving or path is None or "*" in str(path):
        return None
    kind = parse_reader_message(failed.said).kind
    if not path.exists() and (kind in {"missing", "other"} or not failed.said):
        return message_line(
            failed.name,
            f"{failed.shown} does not exist",
            f"put the file there, or set {failed.filepath_setting} to where it is",
        )
    if path.is_dir() and is_csv_entry(failed.entry, path):
        return message_line(
            failed.name,
            f"{failed.shown} is a folder, not a file",
            f"set {failed.filepath_setting} to the file in it",
        )
    return None


def dataset_error_line(error: DatasetError, project: Project | None = None) -> str:
    """One line for a dataset that cannot be read or written (missing or corrupt file ...)."""
    project = project or Project()
    if match := re.match(
        r"An exception occurred when parsing config for dataset '([^']+)':\s*(.*)",
        str(error),
        re.DOTALL,
    ):
        return _config_parse_line(match.group(1), match.group(2), project)
    failed = FailedDataset.of(error, project)
    line = _system_line(failed, error) or _version_line(failed, error) or _path_line(failed)
    if line is not None:
        return line
    file = None if failed.saving else failed.csv_file()
    if file is not None and (found := csv_reader_problem(failed.said, file)) is not None:
        return found.message(failed.name)
    summary = summary_of(failed.said) if failed.said.strip() else summary_of(str(error))
    overflow = re.search(r"overflow|out of range|too large", failed.said, re.IGNORECASE)
    if overflow and not failed.saving:
        return message_line(
            failed.name,
            f"a value in {failed.shown} does not fit its type: {summary}",
            "correct the value in the file; if the file is right, read the column as text "
            "(all_varchar: true or dtype: str in the entry's load_args)",
        )
    if failed.saving:
        return message_line(
            failed.name,
            f"could not be written: {summary}",
            f"check that {failed.folder} can be written to; if it can, check the type and "
            f"save_args of '{failed.name}' in {failed.catalog}",
        )
    return message_line(
        failed.name,
        f"could not be read: {summary}",
        f"check that {failed.shown} is a complete, valid file (export it again if it was cut "
        "short or saved in another format); if it is, check the type, file_format and "
        f"load_args of '{failed.name}' in {failed.catalog}",
    )


def reader_error_line(error: BaseException, project: Project) -> str | None:
    """A CSV error DuckDB raises while a node reads the file (after its sniffer passed it)."""
    for cause in error_chain(error):
        if not (type(cause).__module__ or "").lstrip("_").startswith("duckdb"):
            continue
        text = str(cause)
        said = parse_reader_message(text)
        if said.file is None or said.kind in {"missing", "other"}:
            continue
        path = Path(said.file)
        name = project.dataset_of_file(path)
        dataset = name or project.show(path)
        entry = project.catalog.get(name, {}) if name else {}
        catalog = project.catalog_file(name) if name else config_file("catalog.yml")
        file = CsvFile(path, dataset, entry.get("load_args") or {}, catalog, project.show(path))
        found = csv_reader_problem(text, file)
        if found is not None:
            return found.message(dataset)
    return None


def input_error_line(error: InputValidationError, project: Project) -> str:
    """An input error about a CSV dataset, unless the file itself is broken.

    A CSV with a broken line in DuckDB's sniffing sample is read as one column (its header
    line whole), so the first check to fail is the column mapping, which then blames the
    separator; the broken line is the problem to report.
    """
    name = error.dataset
    if name and name in project.catalog:
        path = project.filepath(name)
        entry = project.catalog[name]
        if path is not None and is_csv_entry(entry, path):
            load_args = entry.get("load_args") or {}
            file = CsvFile(path, name, load_args, project.catalog_file(name), project.show(path))
            found = file_problem(file)
            if found is not None:
                return found.message(name)
    return str(error)
