"""Run a command and measure it: wall time, CPU time and peak memory of its process tree.

Peak memory is the largest sum of resident memory (RSS) over the command and every process
it starts (a Spark JVM, a Kedro ParallelRunner worker), sampled from ``/proc`` every 20 ms;
on a system without ``/proc`` it falls back to the largest single child (``ru_maxrss``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
POLL_S = 0.02
#: Line prefix of the JSON result a benchmark helper prints on its stdout.
RESULT_PREFIX = "BENCH_RESULT "


def base_parameters(group: str) -> dict[str, Any]:
    """One parameter group as a run on the base environment reads it (``conf/base``)."""
    # imported here: the measuring helpers above start commands and need no Kedro
    import warnings  # noqa: PLC0415

    from kedro.config import OmegaConfigLoader  # noqa: PLC0415

    warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
    project = Path(__file__).resolve().parents[1]
    loader = OmegaConfigLoader(
        conf_source=str(project / "conf"), base_env="base", default_run_env="base"
    )
    return loader["parameters"][group]


def peak_rss_mib() -> float:
    """Peak resident memory of this process in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(line: str) -> None:
    """Write one line of a benchmark's report, at once (a long run shows its progress)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def timed(label: str, func: Callable[..., Any], *args: Any, width: int = 34) -> tuple[Any, float]:
    """Run ``func(*args)``; print its wall time and the peak memory so far; return both."""
    start = time.perf_counter()
    result = func(*args)
    elapsed = time.perf_counter() - start
    emit(f"{label:<{width}} {elapsed:8.2f} s   peak RSS {peak_rss_mib():8.0f} MiB")
    return result, elapsed


@dataclass
class Measurement:
    """What one command cost, and the JSON result it printed (if any)."""

    wall_s: float
    cpu_s: float
    peak_mib: float
    returncode: int
    output: str
    result: dict[str, Any] = field(default_factory=dict)

    def check(self, what: str) -> Measurement:
        """Raise with the command's output when it failed."""
        if self.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {self.returncode}):\n{self.output[-4000:]}")
        return self


def _children(pid: int) -> dict[int, list[int]]:
    """Parent pid -> child pids, for every process visible in /proc."""
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # the command name (field 2) may hold spaces; fields after its ")" are fixed
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(parent, []).append(int(entry))
    return tree


def tree_rss_bytes(pid: int) -> int:
    """Resident memory of ``pid`` and all its descendants, in bytes."""
    tree, total, todo = _children(pid), 0, [pid]
    while todo:
        current = todo.pop()
        try:
            total += int(Path(f"/proc/{current}/statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(tree.get(current, []))
    return total


class _PeakSampler(threading.Thread):
    """Samples the process tree's RSS until stopped; keeps the largest value."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak, self._done = pid, 0, threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(self.pid))
            self._done.wait(POLL_S)

    def stop(self) -> int:
        self._done.set()
        self.join()
        return self.peak


def run_measured(
    command: Sequence[str],
    *,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> Measurement:
    """Run ``command`` to completion and measure it (see the module docstring)."""
    has_proc = Path("/proc/self/statm").exists()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = _PeakSampler(process.pid) if has_proc else None
    if sampler:
        sampler.start()
    try:
        output, _ = process.communicate(timeout=timeout_s)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
        peak = sampler.stop() if sampler else 0
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not peak:
        peak = after.ru_maxrss * 1024  # Linux reports KiB
    result: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith(RESULT_PREFIX):
            result = json.loads(line[len(RESULT_PREFIX) :])
    return Measurement(wall, cpu, peak / 2**20, process.returncode, output, result)


def print_result(result: dict[str, Any]) -> None:
    """Print a helper's result on one line for :func:`run_measured` to pick up."""
    sys.stdout.write(RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()
