"""The run lock ``<data_root>/.run.lock``: who holds it, taking it, and taking over a stale one."""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from customer_segmentation.errors import InputValidationError

try:  # POSIX; elsewhere the lock falls back to checking the holder's pid
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


logger = logging.getLogger(__name__)

LOCK_NAME = ".run.lock"
#: A lock file without readable content younger than this is being written, not stale.
FRESH_SECONDS = 10.0
_ATTEMPTS = 20


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _this_host() -> str:
    return socket.gethostname()


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs on this host (never signals it)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - os.kill would terminate the process
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it runs, as another user
        return True
    except OSError:
        return False
    return True


def _windows_pid_alive(pid: int) -> bool:  # pragma: no cover - Windows only
    import ctypes  # noqa: PLC0415

    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        return code.value == 259  # STILL_ACTIVE  # noqa: PLR2004
    finally:
        kernel32.CloseHandle(handle)


@dataclass
class RunInfo:
    """What the lock file says about the run holding it (one JSON object)."""

    pid: int = 0
    host: str = ""
    env: str | None = None
    pipelines: list[str] = field(default_factory=list)
    started: str = ""
    save_version: str = ""
    #: The version folders (``<dataset path>/<save_version>``) the run may write: an
    #: absolute path, or a URL for remote storage.
    version_folders: list[str] = field(default_factory=list)

    @classmethod
    def current(
        cls,
        env: str | None,
        pipelines: list[str] | None,
        save_version: str,
        version_folders: list[str] = (),  # type: ignore[assignment]
    ) -> RunInfo:
        return cls(
            pid=os.getpid(),
            host=_this_host(),
            env=env,
            pipelines=list(pipelines or []),
            started=_now(),
            save_version=save_version,
            version_folders=list(version_folders),
        )

    @classmethod
    def from_text(cls, text: str) -> RunInfo | None:
        """The run described by a lock file's text; ``None`` when it is not readable."""
        try:
            data = json.loads(text)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None

        def text(key: str) -> str:
            value = data.get(key)
            return value if isinstance(value, str) else ""

        def texts(key: str) -> list[str]:
            value = data.get(key)
            return (
                [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
            )

        pid = data.get("pid")
        return cls(
            pid=pid if isinstance(pid, int) and not isinstance(pid, bool) else 0,
            host=text("host"),
            env=text("env") or None,
            pipelines=texts("pipelines"),
            started=text("started"),
            save_version=text("save_version"),
            version_folders=texts("version_folders"),
        )

    def to_text(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    def describe(self) -> str:
        """``pid 1234, env test, pipelines clustering, started 2026-05-04 08:41:02``."""
        if not self.pid:
            return "details not readable"
        parts = [
            f"pid {self.pid}" + ("" if self.host in ("", _this_host()) else f" on {self.host}")
        ]
        parts.append(f"env {self.env or 'local'}")
        if self.pipelines:
            parts.append(f"pipelines {','.join(self.pipelines)}")
        if self.started:
            parts.append(f"started {self.started.replace('T', ' ')}")
        return ", ".join(parts)

    def rerun_command(self) -> str:
        """The ``kedro run`` command line of this run."""
        command = "kedro run"
        if self.env and self.env != "local":
            command += f" --env {self.env}"
        if self.pipelines and self.pipelines != ["__default__"]:
            command += f" --pipelines {','.join(self.pipelines)}"
        return command


class RunLockedError(InputValidationError):
    """Another run holds the data root's lock (reported on one line by the project CLI)."""

    def __init__(self, holder: RunInfo | None, data_root: str, lock_path: Path, *, pid_based: bool):
        self.holder = holder
        who = (
            holder.describe() if holder and holder.pid else f"details not readable from {lock_path}"
        )
        fix = "wait for it to finish"
        if holder and holder.pid:
            fix += f", or stop it (kill {holder.pid}),"
        fix += " and run again"
        if pid_based:
            fix += f"; if no such run is going any more, delete {lock_path}"
        else:
            fix += f"; its lock {lock_path} is taken over automatically once that process has ended"
        super().__init__(f"another kedro run ({who}) is using {data_root}", fix)


def _read_fd(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _write_fd(fd: int, text: str) -> None:
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    data = text.encode("utf-8")
    while data:
        written = os.write(fd, data)
        data = data[written:]
    os.fsync(fd)


def _same_file(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open as ``fd`` (not unlinked or replaced)."""
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    opened = os.fstat(fd)
    return (opened.st_dev, opened.st_ino) == (current.st_dev, current.st_ino)


def _flock(fd: int) -> bool | None:
    """Try to take the ``flock`` of ``fd``: True taken, False held elsewhere, None unsupported."""
    if fcntl is None:  # pragma: no cover - Windows
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as error:
        if error.errno in (errno.EAGAIN, errno.EACCES):
            return False
        return None  # ENOLCK, EOPNOTSUPP ...: this file system has no flock
    return True


class RunLock:
    """The lock of one data root (``<data_root>/.run.lock``); see the module docstring."""

    def __init__(self, data_root: Path, label: str | None = None):
        self.path = Path(data_root) / LOCK_NAME
        self.label = label or f"{data_root}/"
        self._fd: int | None = None  # open while the lock is held with a flock
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self, info: RunInfo) -> RunInfo | None:
        """Take the lock for the run ``info``.

        Returns the run that left a stale lock (it ended without releasing it), or ``None``.
        Raises ``RunLockedError`` while a live run holds it.
        """
        if self._held:
            raise RuntimeError(f"{self.path} is already held by this process")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(_ATTEMPTS):
            if self._create(info):
                return None
            outcome = self._take_over(info)
            if outcome is not _RETRY:
                return outcome  # type: ignore[return-value]
            time.sleep(0.05)  # it was being released or replaced: look again
        raise RunLockedError(self._holder(), self.label, self.path, pid_based=False)

    def release(self) -> None:
        """Remove the lock file and drop the ``flock`` (no-op when not held)."""
        if not self._held:
            return
        self._held = False
        fd, self._fd = self._fd, None
        if fd is None:  # pid-based: remove the file only while it is still ours
            holder = self._holder()
            if holder and holder.pid == os.getpid() and holder.host == _this_host():
                with contextlib.suppress(OSError):
                    self.path.unlink()
            return
        try:
            if _same_file(fd, self.path):
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        finally:
            os.close(fd)  # drops the flock once the file is gone: no one takes an orphan

    # -- internals ----------------------------------------------------------------------

    def _create(self, info: RunInfo) -> bool:
        """Create the lock file, whole, with ``info``; False when a lock file exists."""
        if fcntl is None:  # pragma: no cover - Windows
            return self._create_exclusive(info)
        temporary = self.path.with_name(f"{LOCK_NAME}.{os.getpid()}.{threading.get_ident()}")
        fd = os.open(temporary, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        keep = False
        try:
            _write_fd(fd, info.to_text())
            flocked = _flock(fd)
            try:
                os.link(temporary, self.path)  # atomic, and fails when the lock exists
            except FileExistsError:
                return False
            except OSError:
                pass  # no hard links on this file system: exclusive create below
            else:
                self._held = True
                if flocked:
                    self._fd, keep = fd, True
                return True
        finally:
            if not keep:
                os.close(fd)
            with contextlib.suppress(OSError):
                temporary.unlink()
        return self._create_exclusive(info)

    def _create_exclusive(self, info: RunInfo) -> bool:
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            return False
        keep = False
        try:
            flocked = _flock(fd)
            _write_fd(fd, info.to_text())
            self._held = True
            if flocked:
                self._fd, keep = fd, True
            return True
        finally:
            if not keep:
                os.close(fd)

    def _holder(self) -> RunInfo | None:
        try:
            return RunInfo.from_text(self.path.read_text(encoding="utf-8"))
        except OSError:
            return None

    def _take_over(self, info: RunInfo) -> RunInfo | object:
        """The lock file exists: raise while its run is alive, else take it over."""
        if fcntl is None:  # pragma: no cover - Windows
            return self._take_over_by_pid(info)
        try:
            fd = os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            return _RETRY  # released meanwhile
        keep = False
        try:
            locked = _flock(fd)
            if locked is False:
                holder = RunInfo.from_text(_read_fd(fd))
                raise RunLockedError(holder, self.label, self.path, pid_based=False)
            if locked and not _same_file(fd, self.path):
                return _RETRY  # its holder released it while we opened it
            if locked:  # no process holds it: its run ended without releasing it
                previous = RunInfo.from_text(_read_fd(fd)) or RunInfo()
                _write_fd(fd, info.to_text())
                self._fd, self._held, keep = fd, True, True
                return previous
        finally:
            if not keep:
                os.close(fd)
        return self._take_over_by_pid(info)  # this file system has no flock

    def _take_over_by_pid(self, info: RunInfo) -> RunInfo | object:
        try:
            modified = os.stat(self.path).st_mtime
            previous = RunInfo.from_text(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return _RETRY
        if previous is None or not previous.pid:
            # unreadable: being written right now, or left broken long ago
            alive = time.time() - modified < FRESH_SECONDS
        elif previous.host and previous.host != _this_host():
            alive = True  # cannot tell from here: only a person can
        else:
            alive = pid_alive(previous.pid)
        if alive:
            raise RunLockedError(previous, self.label, self.path, pid_based=True)
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()
        return (previous or RunInfo()) if self._create(info) else _RETRY


_RETRY = object()


# -- versioned outputs ----------------------------------------------------------------------
