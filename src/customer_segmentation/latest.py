"""A stable path for each report: ``<outputs folder>/latest/<file>``, a copy of the newest one.

The report and the workbook are versioned: each run saves them in a folder named by its start
time (``08_reporting/segment_report.html/<timestamp>/segment_report.html``). A reader who
bookmarks the report, or a script that mails it, needs a path that does not change. So a run
that finishes copies the ones it wrote to ``latest/`` beside the dataset folders
(``08_reporting/latest/segment_report.html``, under the run's ``data_root`` since the catalog
paths are). A failed run copies nothing: the latest copies stay those of the last good run.
Each copy is written under a temporary name and renamed into place, so a reader never opens
half a file.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from fsspec.implementations.local import LocalFileSystem

from customer_segmentation.run_guard.outputs import VersionFolder

LATEST_FOLDER = "latest"

#: Outputs that keep a copy of their newest version in ``latest/``.
LATEST_OUTPUTS = ("segment_report", "segment_workbook", "customer_list")


def _local(folder: VersionFolder) -> bool:
    return isinstance(folder.fs, LocalFileSystem)


def version_file(folder: VersionFolder) -> str:
    """The file saved in ``folder`` (``<dataset path>/<version>/<dataset file name>``)."""
    if _local(folder):
        return os.path.join(folder.path, os.path.basename(os.path.dirname(folder.path)))
    dataset_path = PurePosixPath(folder.path).parent
    return str(PurePosixPath(folder.path) / dataset_path.name)


def latest_file(folder: VersionFolder) -> str:
    """Where the latest copy of the dataset versioned in ``folder`` goes."""
    if _local(folder):
        dataset_path = os.path.dirname(folder.path)
        return os.path.join(
            os.path.dirname(dataset_path), LATEST_FOLDER, os.path.basename(dataset_path)
        )
    dataset_path = PurePosixPath(folder.path).parent
    return str(dataset_path.parent / LATEST_FOLDER / dataset_path.name)


def update_latest(
    folders: Mapping[str, VersionFolder], names: Iterable[str] = LATEST_OUTPUTS
) -> dict[str, str]:
    """Copy this run's version of each of ``names`` it wrote (``folders``: the run's version
    folders by dataset name) to its latest path; the latest paths, by dataset name."""
    copies: dict[str, str] = {}
    for name in names:
        folder = folders.get(name)
        if folder is None:
            continue
        source, target = version_file(folder), latest_file(folder)
        if _local(folder):
            _replace_local(source, target)
        else:
            folder.fs.makedirs(str(PurePosixPath(target).parent), exist_ok=True)
            folder.fs.copy(source, target)
        copies[name] = target
    return copies


def _replace_local(source: str, target: str) -> None:
    """Copy ``source`` over ``target`` in one step (a temporary file, then a rename)."""
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".partial")
    os.close(handle)
    try:
        shutil.copy(source, temporary)  # and its permissions (mkstemp's are owner-only)
        os.replace(temporary, target)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
