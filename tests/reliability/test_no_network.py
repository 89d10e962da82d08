"""The whole project runs with every outbound connection refused, telemetry left to .telemetry."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import copy_project, run_kedro

pytestmark = pytest.mark.slow

# Loaded by the interpreter at start-up (via PYTHONPATH): refuses and records any attempt to
# resolve or reach an address that is not this machine.
SITECUSTOMIZE = textwrap.dedent(
    """
    import os
    import socket

    _LOG = os.environ["NETWORK_ATTEMPTS_LOG"]
    _LOCAL = ("127.", "::1", "localhost", "0.0.0.0")

    def _is_local(address):
        host = address[0] if isinstance(address, tuple) else address
        return not isinstance(host, str) or host.startswith(_LOCAL) or host == ""

    def _refuse(what, address):
        with open(_LOG, "a") as log:
            log.write(f"{what} {address!r}\\n")
        raise OSError(f"network blocked by the test: {what} {address!r}")

    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo

    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            _refuse("connect", address)
        return _connect(self, address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address):
            _refuse("connect_ex", address)
        return _connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            _refuse("getaddrinfo", host)
        return _getaddrinfo(host, *args, **kwargs)

    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
    socket.getaddrinfo = getaddrinfo
    """
)


def test_whole_project_runs_offline_and_never_tries_the_network(tmp_path: Path):
    project = copy_project(tmp_path / "project")
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    attempts = tmp_path / "attempts.log"
    env = {
        key: value
        for key, value in os.environ.items()
        # rely on the committed .telemetry (consent: false), as a user who clones does
        if key not in ("KEDRO_DISABLE_TELEMETRY", "DO_NOT_TRACK")
    }
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(guard), env.get("PYTHONPATH")])),
        NETWORK_ATTEMPTS_LOG=str(attempts),
        MPLBACKEND="Agg",
    )
    result = run_kedro(project, "run", "--env", "test", env=env, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not attempts.exists(), attempts.read_text()
    assert (project / "data/08_reporting/segment_report.html").is_dir()


def test_the_guard_really_blocks(tmp_path: Path):
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SITECUSTOMIZE)
    attempts = tmp_path / "attempts.log"
    env = {**os.environ, "PYTHONPATH": str(guard), "NETWORK_ATTEMPTS_LOG": str(attempts)}
    probe = "import socket\ntry:\n    socket.create_connection(('203.0.113.1', 443), 1)\nexcept OSError as e:\n    print(e)"
    result = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=False
    )
    assert "network blocked by the test" in result.stdout
    assert "203.0.113.1" in attempts.read_text()
