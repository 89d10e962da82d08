"""``RunGuard``: the lock, the clean-up of partial versions and the incomplete record for one run."""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import Any

from kedro.io import (
    SharedMemoryDataCatalog,
)

try:  # POSIX; elsewhere the lock falls back to checking the holder's pid
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from customer_segmentation.run_guard.lock import (
    RunInfo,
    RunLock,
)
from customer_segmentation.run_guard.outputs import (
    IncompleteRecord,
    VersionFolder,
    _base_name,
    _safe_version,
    incomplete_input_error,
    persisted_unversioned_outputs,
    remove_folders,
    versioned_output_folders,
)

logger = logging.getLogger(__name__)


class RunGuard:
    """The lock, the partial-version clean-up and the intermediates record of one run."""

    def __init__(self, data_root: Path, label: str):
        self.data_root = Path(data_root)
        self.lock = RunLock(self.data_root, label)
        self.incomplete = IncompleteRecord(self.data_root)
        self.info: RunInfo | None = None
        self.folders: dict[str, VersionFolder] = {}
        self.rewritten: set[str] = set()  # unversioned outputs saved in place
        self.saved: set[str] = set()
        self.recorded = False
        self._owner = os.getpid()
        self._mutex = threading.Lock()

    def start(self, run_params: dict[str, Any], pipeline: Any, catalog: Any) -> None:
        """Take the lock (clearing a killed run's versions) and check the inputs."""
        save_version = str(run_params.get("run_id") or "")
        self.folders = versioned_output_folders(pipeline, catalog)
        self.rewritten = persisted_unversioned_outputs(pipeline, catalog)
        self.info = RunInfo.current(
            run_params.get("env"),
            run_params.get("pipeline_names"),
            save_version,
            sorted({folder.url for folder in self.folders.values()}),
        )
        stale = self.lock.acquire(self.info)
        atexit.register(self._at_exit)
        try:
            if stale is not None:
                self._clear_stale(stale, pipeline, catalog)
            self._check_inputs(pipeline)
            # the parallel runner saves in other processes, where this guard cannot see:
            # record the intermediates now and clear them only when the run finishes
            if self.rewritten and isinstance(catalog, SharedMemoryDataCatalog):
                self._record()
        except BaseException:
            self.close()
            raise

    def saving(self, name: str) -> None:
        """A dataset is about to be saved: record the intermediates before the first."""
        if os.getpid() != self._owner or _base_name(name) not in self.rewritten:
            return
        with self._mutex:
            if not self.recorded:
                self._record()

    def saved_one(self, name: str) -> None:
        """A dataset was saved: once every intermediate is, they are whole again."""
        base = _base_name(name)
        if os.getpid() != self._owner or base not in self.rewritten:
            return
        with self._mutex:
            self.saved.add(base)
            if self.recorded and self.saved >= self.rewritten:
                self.incomplete.discard(self.rewritten)
                self.recorded = False

    def finish(self) -> None:
        """The run finished: its intermediates are whole; release the lock."""
        try:
            if self.rewritten:
                self.incomplete.discard(self.rewritten)
        finally:
            self.close()

    def fail(self, reason: str = "failed") -> list[str]:
        """The run failed: remove the versions it wrote, release the lock.

        Returns the names of the datasets whose new version was removed.
        """
        try:
            removed = [name for name, folder in sorted(self.folders.items()) if folder.remove()]
            if removed:
                logger.warning(
                    "The run %s: removed the %d output version(s) it had written (save version "
                    "%s: %s), so the newest version of every dataset is the last finished run's.",
                    reason,
                    len(removed),
                    self.info.save_version if self.info else "?",
                    ", ".join(removed),
                )
            if self.recorded:
                logger.warning(
                    "The run %s while it was rewriting the intermediate data (%s); a run that "
                    "reads them without rebuilding them stops until a run rebuilds them.",
                    reason,
                    ", ".join(sorted(self.rewritten)),
                )
            return removed
        finally:
            self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            atexit.unregister(self._at_exit)
        self.lock.release()

    # -- internals ----------------------------------------------------------------------

    def _record(self) -> None:
        assert self.info is not None
        self.incomplete.add(self.rewritten, self.info)
        self.recorded = True

    def _clear_stale(self, stale: RunInfo, pipeline: Any, catalog: Any) -> None:
        folders: dict[str, VersionFolder] = {}
        if _safe_version(stale.save_version):
            for url in stale.version_folders:
                folder = VersionFolder.from_url(str(url), stale.save_version)
                if folder is not None:
                    folders[folder.url] = folder
            # a lock written by hand or by an older version lists none: use this catalog
            for folder in versioned_output_folders(pipeline, catalog, stale.save_version).values():
                folders.setdefault(folder.url, folder)
        removed = remove_folders(folders.values())
        logger.warning(
            "The kedro run (%s) ended without finishing and left its lock %s; taking it over. "
            "Removed %d partial output version(s) of its save version %s, so the newest "
            "version of every dataset is the last finished run's.",
            stale.describe(),
            self.lock.path,
            removed,
            stale.save_version or "(unknown)",
        )

    def _check_inputs(self, pipeline: Any) -> None:
        """Stop before reading an intermediate that a cut-short run left half-rewritten."""
        incomplete = self.incomplete.read()
        for name in sorted(pipeline.inputs()):
            base = _base_name(name)
            if base in incomplete and base not in self.rewritten:
                raise incomplete_input_error(base, incomplete[base])

    def _at_exit(self) -> None:
        """The process ends while the run holds the lock (Ctrl-C ...): clean up as a failure."""
        if os.getpid() == self._owner and self.lock.held:
            self.fail("was interrupted")
