"""What a run writes: its version folders, and the record of intermediates it left half-rewritten."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import fsspec
from fsspec.implementations.local import LocalFileSystem
from kedro.io import (
    AbstractDataset,
    AbstractVersionedDataset,
    MemoryDataset,
    SharedMemoryDataset,
)
from kedro.io.core import get_filepath_str

from customer_segmentation.errors import InputValidationError

try:  # POSIX; elsewhere the lock falls back to checking the holder's pid
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from customer_segmentation.run_guard.lock import RunInfo

logger = logging.getLogger(__name__)

INCOMPLETE_NAME = ".incomplete.json"


def _unwrap(dataset: AbstractDataset) -> AbstractDataset:
    """The dataset a ``CachedDataset`` (or similar wrapper) saves to."""
    for _ in range(5):
        inner = getattr(dataset, "_dataset", None)
        if not isinstance(inner, AbstractDataset):
            break
        dataset = inner
    return dataset


def _safe_version(version: str | None) -> bool:
    return bool(version) and version not in (".", "..") and not set("/\\") & set(version)


@dataclass(frozen=True)
class VersionFolder:
    """``<dataset path>/<save version>/`` of one versioned dataset, and how to reach it."""

    url: str
    path: str
    fs: Any = field(compare=False, repr=False)
    version: str = ""

    @classmethod
    def of(cls, dataset: AbstractDataset, save_version: str | None = None) -> VersionFolder | None:
        """The folder ``dataset`` saves this run's version in; None when not versioned."""
        dataset = _unwrap(dataset)
        if not isinstance(dataset, AbstractVersionedDataset) or not dataset._version:
            return None
        version = save_version or dataset.resolve_save_version()
        if not _safe_version(version):
            return None
        folder = PurePosixPath(dataset._get_versioned_path(version)).parent
        protocol = getattr(dataset, "_protocol", None) or "file"
        fs = getattr(dataset, "_fs", None)
        if not isinstance(fs, fsspec.AbstractFileSystem):
            fs = fsspec.filesystem(protocol)
        if isinstance(fs, LocalFileSystem):
            path = os.path.abspath(str(folder))
            return cls(url=path, path=path, fs=fs, version=version)
        return cls(url=get_filepath_str(folder, protocol), path=str(folder), fs=fs, version=version)

    @classmethod
    def from_url(cls, url: str, version: str) -> VersionFolder | None:
        """A folder recorded in a lock file (only if it is named by ``version``)."""
        if not _safe_version(version) or PurePosixPath(url.replace("\\", "/")).name != version:
            return None
        try:
            fs, path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as error:
            logger.warning("Cannot reach %s to remove it: %s", url, error)
            return None
        return cls(url=url, path=path, fs=fs, version=version)

    def remove(self) -> bool:
        """Remove the folder (and its dataset folder if that is left empty); True if removed."""
        if PurePosixPath(self.path.replace("\\", "/")).name != self.version:
            return False  # never anything but a version folder
        try:
            if isinstance(self.fs, LocalFileSystem):
                if not os.path.isdir(self.path):
                    return False
                shutil.rmtree(self.path)
                with contextlib.suppress(OSError):
                    os.rmdir(os.path.dirname(self.path))  # only when empty
                return True
            if not self.fs.exists(self.path):
                return False
            self.fs.rm(self.path, recursive=True)
            return True
        except OSError as error:
            logger.warning("Could not remove the partial version %s: %s", self.url, error)
            return False


def versioned_output_folders(pipeline: Any, catalog: Any, save_version: str | None = None):
    """The version folders the pipeline's versioned outputs are saved in, by dataset name."""
    folders: dict[str, VersionFolder] = {}
    for name in sorted(pipeline.all_outputs()):
        dataset = catalog.get(name) if name in catalog else None
        folder = VersionFolder.of(dataset, save_version) if dataset is not None else None
        if folder is not None:
            folders[name] = folder
    return folders


def persisted_unversioned_outputs(pipeline: Any, catalog: Any) -> set[str]:
    """Outputs saved in place (not versioned, not in memory), by name without ``@``."""
    names = set()
    for name in pipeline.all_outputs():
        dataset = catalog.get(name) if name in catalog else None
        if dataset is None:
            continue
        dataset = _unwrap(dataset)
        if isinstance(dataset, (MemoryDataset, SharedMemoryDataset)):
            continue
        if isinstance(dataset, AbstractVersionedDataset) and dataset._version:
            continue
        names.add(_base_name(name))
    return names


def _base_name(name: str) -> str:
    return name.split("@", 1)[0]


def remove_folders(folders) -> int:
    """Remove every folder that exists; the number removed."""
    return sum(folder.remove() for folder in folders)


# -- incomplete intermediates ----------------------------------------------------------


class IncompleteRecord:
    """``<data_root>/.incomplete.json``: intermediates a run began and did not finish."""

    def __init__(self, data_root: Path):
        self.path = Path(data_root) / INCOMPLETE_NAME

    def read(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            logger.warning("Ignoring %s, which is not readable: %s", self.path, error)
            return {}
        datasets = data.get("datasets") if isinstance(data, dict) else None
        if not isinstance(datasets, dict):
            return {}
        return {name: entry if isinstance(entry, dict) else {} for name, entry in datasets.items()}

    def write(self, datasets: dict[str, dict[str, Any]]) -> None:
        if not datasets:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_name(f"{INCOMPLETE_NAME}.{os.getpid()}")
        temporary.write_text(
            json.dumps({"datasets": datasets}, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        os.replace(temporary, self.path)

    def add(self, names: set[str], run: RunInfo) -> None:
        entry = {
            "save_version": run.save_version,
            "env": run.env,
            "pipelines": run.pipelines,
            "started": run.started,
            "pid": run.pid,
        }
        datasets = self.read()
        datasets.update({name: entry for name in names})
        self.write(datasets)

    def discard(self, names: set[str]) -> None:
        datasets = self.read()
        kept = {name: entry for name, entry in datasets.items() if name not in names}
        if kept != datasets:
            self.write(kept)


def incomplete_input_error(name: str, entry: dict[str, Any]) -> InputValidationError:
    """The one-line error for an input a cut-short run left half-rewritten."""
    pipelines = entry.get("pipelines")
    run = RunInfo(
        env=entry.get("env") if isinstance(entry.get("env"), str) else None,
        pipelines=[p for p in pipelines if isinstance(p, str)]
        if isinstance(pipelines, list)
        else [],
        started=str(entry.get("started") or ""),
    )
    when = f" of {run.started.replace('T', ' ')}" if run.started else ""
    full = RunInfo(env=run.env).rerun_command()
    cut_short = run.rerun_command()
    fix = f"re-run from data_processing first: `{full}` rebuilds it"
    if cut_short != full:
        fix += f", as does the run that was cut short: `{cut_short}`"
    return InputValidationError(
        f"left half-rewritten by the run{when} (env {run.env or 'local'}) that failed or was "
        "stopped before it finished; reading it now would mix old and new intermediate data",
        fix,
        dataset=name,
    )


# -- one run ----------------------------------------------------------------------------
