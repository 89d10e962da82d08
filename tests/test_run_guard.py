"""The run lock, the partial-version clean-up and the intermediates record (the run_guard package)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Pipeline, node

from customer_segmentation.errors import InputValidationError
from customer_segmentation.hooks import RunGuardHook
from customer_segmentation.run_guard import lock as run_lock
from customer_segmentation.run_guard.guard import RunGuard
from customer_segmentation.run_guard.lock import LOCK_NAME, RunInfo, RunLock, RunLockedError
from customer_segmentation.run_guard.outputs import (
    INCOMPLETE_NAME,
    VersionFolder,
    persisted_unversioned_outputs,
    versioned_output_folders,
)
from tests.conftest import PROJECT_ROOT

V1 = "2026-01-31T08.00.00.000Z"
V2 = "2026-02-28T08.00.00.000Z"


def info(save_version: str = V1, **changes) -> RunInfo:
    return RunInfo(**{**vars(RunInfo.current("test", ["clustering"], save_version)), **changes})


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def write_lock(root: Path, **fields) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    path.write_text(json.dumps({"host": socket.gethostname(), "env": "test", **fields}))
    return path


# -- the lock ----------------------------------------------------------------------------


def test_the_lock_file_describes_the_run_and_goes_with_release(tmp_path: Path):
    lock = RunLock(tmp_path / "data", "data/")
    assert lock.acquire(info(version_folders=["/x/model.pkl/" + V1])) is None
    written = json.loads((tmp_path / "data" / LOCK_NAME).read_text())
    assert written["pid"] == os.getpid()
    assert written["host"] == socket.gethostname()
    assert written["env"] == "test"
    assert written["pipelines"] == ["clustering"]
    assert written["save_version"] == V1
    assert written["version_folders"] == ["/x/model.pkl/" + V1]
    assert written["started"]
    assert lock.held
    lock.release()
    assert not lock.held
    assert not (tmp_path / "data" / LOCK_NAME).exists()
    lock.release()  # twice is harmless
    assert [p.name for p in (tmp_path / "data").iterdir()] == []  # no temporary left


def test_a_second_lock_on_the_same_root_is_refused_naming_the_run(tmp_path: Path):
    first = RunLock(tmp_path, "data/")
    first.acquire(info())
    with pytest.raises(RunLockedError) as refused:
        RunLock(tmp_path, "data/").acquire(info(V2))
    message = str(refused.value)
    assert message.startswith(
        f"another kedro run (pid {os.getpid()}, env test, pipelines clustering, started "
    )
    assert "is using data/. Fix: wait for it to finish, or stop it (kill" in message
    assert "\n" not in message
    assert isinstance(refused.value, InputValidationError)  # the CLI prints one line
    # the refused attempt changed nothing
    assert json.loads((tmp_path / LOCK_NAME).read_text())["save_version"] == V1
    first.release()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from customer_segmentation.run_guard.lock import RunInfo, RunLock
    lock = RunLock(Path(sys.argv[1]))
    lock.acquire(RunInfo.current("test", [], sys.argv[2], [sys.argv[3]]))
    print("held", flush=True)
    time.sleep(120)
    """
)


def test_the_lock_of_a_killed_process_is_taken_over(tmp_path: Path):
    folder = str(tmp_path / "model.pkl" / V1)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT / "src"), *sys.path])}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), V1, folder],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLockedError, match=f"pid {holder.pid}, env test"):
            RunLock(tmp_path).acquire(info(V2))
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=30)
    assert (tmp_path / LOCK_NAME).exists()  # nothing released it

    lock = RunLock(tmp_path)
    stale = lock.acquire(info(V2))
    assert stale is not None
    assert (stale.pid, stale.save_version, stale.version_folders) == (holder.pid, V1, [folder])
    assert json.loads((tmp_path / LOCK_NAME).read_text())["save_version"] == V2
    lock.release()


def test_a_hand_written_or_broken_lock_without_a_process_is_stale(tmp_path: Path):
    pid = dead_pid()
    write_lock(tmp_path, pid=pid, save_version=V1)
    lock = RunLock(tmp_path)
    stale = lock.acquire(info(V2))
    assert (stale.pid, stale.save_version, stale.version_folders) == (pid, V1, [])
    lock.release()

    (tmp_path / LOCK_NAME).write_text("{not json")
    stale = lock.acquire(info(V2))
    assert stale == RunInfo() and stale.describe() == "details not readable"
    lock.release()


@pytest.mark.parametrize(
    "text",
    ["", "[]", "null", '{"pid": "12", "pipelines": "a", "env": 3, "version_folders": {}}'],
)
def test_lock_text_of_the_wrong_shape_is_read_safely(text: str):
    parsed = RunInfo.from_text(text)
    assert parsed is None or (parsed.pid, parsed.pipelines, parsed.env) == (0, [], None)


def test_a_run_s_command_line_and_description():
    run = RunInfo(
        pid=7, host="elsewhere", env="test", pipelines=["a", "b"], started="2026-05-04T08:41:02"
    )
    assert (
        run.describe() == "pid 7 on elsewhere, env test, pipelines a,b, started 2026-05-04 08:41:02"
    )
    assert run.rerun_command() == "kedro run --env test --pipelines a,b"
    assert RunInfo(pid=1, env="local").rerun_command() == "kedro run"


class TestWithoutFlock:
    """Where flock is not available (Windows, some network file systems) the pid decides."""

    @pytest.fixture(autouse=True)
    def _no_flock(self, monkeypatch):
        monkeypatch.setattr(run_lock, "fcntl", None)

    def test_acquire_and_release(self, tmp_path: Path):
        lock = RunLock(tmp_path)
        assert lock.acquire(info()) is None
        with pytest.raises(RunLockedError, match="if no such run is going any more, delete"):
            RunLock(tmp_path).acquire(info(V2))
        lock.release()
        assert not (tmp_path / LOCK_NAME).exists()

    def test_a_dead_pid_is_stale_a_live_one_or_another_host_is_not(self, tmp_path: Path):
        write_lock(tmp_path, pid=dead_pid(), save_version=V1)
        lock = RunLock(tmp_path)
        assert lock.acquire(info(V2)).save_version == V1
        lock.release()

        write_lock(tmp_path, pid=os.getppid(), save_version=V1)
        with pytest.raises(RunLockedError, match=f"pid {os.getppid()}"):
            RunLock(tmp_path).acquire(info(V2))
        write_lock(tmp_path, pid=dead_pid(), save_version=V1, host="elsewhere")
        with pytest.raises(RunLockedError, match="on elsewhere"):
            RunLock(tmp_path).acquire(info(V2))

    def test_an_unreadable_lock_is_stale_only_once_it_is_old(self, tmp_path: Path):
        path = tmp_path / LOCK_NAME
        path.write_text("")
        with pytest.raises(RunLockedError, match="details not readable"):
            RunLock(tmp_path).acquire(info())
        old = time.time() - 60
        os.utime(path, (old, old))
        lock = RunLock(tmp_path)
        assert lock.acquire(info()) == RunInfo()
        lock.release()

    def test_release_leaves_a_lock_that_is_no_longer_ours(self, tmp_path: Path):
        lock = RunLock(tmp_path)
        lock.acquire(info())
        write_lock(tmp_path, pid=dead_pid(), save_version=V2)
        lock.release()
        assert (tmp_path / LOCK_NAME).exists()


# -- versioned outputs -----------------------------------------------------------------


def catalog(root: Path, save_version: str = V1) -> DataCatalog:
    def pickle(path: str, versioned: bool) -> dict:
        return {
            "type": "pickle.PickleDataset",
            "filepath": str(root / path),
            "versioned": versioned,
        }

    return DataCatalog.from_config(
        {
            "model": pickle("06_models/model.pkl", True),
            "report": pickle("08_reporting/report.pkl", True),
            "clean": pickle("02_intermediate/clean.pkl", False),
            "features": pickle("04_feature/features.pkl", False),
        },
        save_version=save_version,
    )


PIPELINE = Pipeline(
    [
        node(lambda raw: raw, "raw", "clean", name="clean"),
        node(lambda clean: clean, "clean", "features", name="features"),
        node(lambda features: features, "features", "model", name="fit"),
        node(lambda model: model, "model", "report", name="report"),
    ]
)


def test_version_folders_are_found_from_the_catalog_and_removed_alone(tmp_path: Path):
    data = catalog(tmp_path)
    folders = versioned_output_folders(PIPELINE, data)
    assert set(folders) == {"model", "report"}  # the unversioned ones have no version folder
    model = folders["model"]
    assert model.url == str(tmp_path / "06_models/model.pkl" / V1)
    assert persisted_unversioned_outputs(PIPELINE, data) == {"clean", "features"}

    assert model.remove() is False  # nothing written yet
    data.save("model", 1)
    assert (tmp_path / "06_models/model.pkl" / V1 / "model.pkl").exists()
    assert model.remove() is True
    assert not (tmp_path / "06_models/model.pkl").exists()  # left empty: removed too

    # an older version stays, and so does its dataset folder
    catalog(tmp_path, V1).save("model", 1)
    data = catalog(tmp_path, V2)
    data.save("model", 2)
    assert versioned_output_folders(PIPELINE, data)["model"].remove()
    assert [p.name for p in (tmp_path / "06_models/model.pkl").iterdir()] == [V1]


@pytest.mark.parametrize("version", ["", ".", "..", "a/b"])
def test_only_a_folder_named_by_a_save_version_is_ever_removed(tmp_path: Path, version: str):
    (tmp_path / "model.pkl" / V1).mkdir(parents=True)
    assert VersionFolder.from_url(str(tmp_path / "model.pkl" / V1), version) is None
    assert VersionFolder.from_url(str(tmp_path / "model.pkl"), V1) is None  # not a version
    if version:
        assert versioned_output_folders(PIPELINE, catalog(tmp_path), version) == {}
    assert (tmp_path / "model.pkl" / V1).exists()


# -- one run -----------------------------------------------------------------------------


def run_params(save_version: str, pipelines=None) -> dict:
    return {"run_id": save_version, "env": "test", "pipeline_names": pipelines}


def run(guard: RunGuard, data: DataCatalog, names: list[str]) -> None:
    """Save ``names`` as the runner does, with the guard's dataset hooks around each save."""
    for name in names:
        guard.saving(name)
        data.save(name, name)
        guard.saved_one(name)


def test_a_failed_run_removes_its_versions_and_keeps_complete_intermediates(tmp_path, caplog):
    data = catalog(tmp_path)
    guard = RunGuard(tmp_path, "data/")
    guard.start(run_params(V1), PIPELINE, data)
    assert (tmp_path / LOCK_NAME).exists()
    run(guard, data, ["clean"])
    assert (tmp_path / INCOMPLETE_NAME).exists()  # recorded before the first one was saved
    run(guard, data, ["features"])
    assert not (tmp_path / INCOMPLETE_NAME).exists()  # all rewritten: whole again
    run(guard, data, ["model"])
    with caplog.at_level(logging.WARNING):
        assert guard.fail() == ["model"]
    assert "removed the 1 output version(s) it had written" in caplog.text
    assert not (tmp_path / "06_models/model.pkl").exists()
    assert not (tmp_path / LOCK_NAME).exists()
    assert (tmp_path / "04_feature/features.pkl").exists()  # intermediates are rebuilt anyway


def test_half_rewritten_intermediates_stop_a_run_that_reads_them(tmp_path, caplog):
    data = catalog(tmp_path)
    guard = RunGuard(tmp_path, "data/")
    guard.start(run_params(V1), PIPELINE, data)
    run(guard, data, ["clean"])
    with caplog.at_level(logging.WARNING):
        guard.fail()
    assert "while it was rewriting the intermediate data (clean, features)" in caplog.text
    recorded = json.loads((tmp_path / INCOMPLETE_NAME).read_text())["datasets"]
    assert set(recorded) == {"clean", "features"}
    assert recorded["features"]["save_version"] == V1

    fit_only = PIPELINE.only_nodes("fit", "report")
    with pytest.raises(InputValidationError) as refused:
        RunGuard(tmp_path, "data/").start(run_params(V2, ["model_selection"]), fit_only, data)
    message = str(refused.value)
    assert message.startswith("dataset 'features': left half-rewritten by the run of ")
    assert "Fix: re-run from data_processing first: `kedro run --env test` rebuilds it" in message
    assert not (tmp_path / LOCK_NAME).exists()  # the refused run let go of the lock

    # a run that rebuilds them clears the record
    rebuild = RunGuard(tmp_path, "data/")
    rebuild.start(run_params(V2), PIPELINE.only_nodes("clean", "features"), catalog(tmp_path, V2))
    rebuild.finish()
    assert not (tmp_path / INCOMPLETE_NAME).exists()
    guard = RunGuard(tmp_path, "data/")
    guard.start(run_params(V2), fit_only, catalog(tmp_path, V2))
    guard.finish()


def test_a_killed_run_s_versions_go_before_the_next_run_starts(tmp_path, caplog):
    data = catalog(tmp_path)
    killed = RunGuard(tmp_path, "data/")
    killed.start(run_params(V1), PIPELINE, data)
    run(killed, data, ["clean", "features", "model"])
    # SIGKILL: no hook runs and the lock stays; another lock object sees it as stale
    killed.lock._fd, fd = None, killed.lock._fd
    os.close(fd)
    killed.lock._held = False
    (tmp_path / "08_reporting/report.pkl" / V1).mkdir(parents=True)  # cut off mid-save
    assert (tmp_path / LOCK_NAME).exists()

    following = RunGuard(tmp_path, "data/")
    with caplog.at_level(logging.WARNING):
        following.start(run_params(V2), PIPELINE, catalog(tmp_path, V2))
    assert f"Removed 2 partial output version(s) of its save version {V1}" in caplog.text
    assert not list(tmp_path.rglob(V1))
    following.finish()


def test_the_hook_guards_a_run_and_never_hides_the_run_s_error(tmp_path, monkeypatch):
    hook = RunGuardHook()
    context = SimpleNamespace(config_loader={"globals": {"data_root": f"{tmp_path}/"}})
    hook.after_context_created(context)
    data = catalog(tmp_path)
    hook.before_pipeline_run(run_params(V1), PIPELINE, data)
    assert json.loads((tmp_path / LOCK_NAME).read_text())["save_version"] == V1
    for name in ("clean", "features", "model"):
        hook.before_dataset_saved(name, name, None)
        data.save(name, name)
        hook.after_dataset_saved(name, name, None)
    hook.on_pipeline_error(RuntimeError("boom"), run_params(V1))
    assert not (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / "06_models/model.pkl").exists()

    hook.before_pipeline_run(run_params(V2), PIPELINE, catalog(tmp_path, V2))
    guard = hook._guard
    monkeypatch.setattr(guard, "fail", lambda: (_ for _ in ()).throw(OSError("disk gone")))
    hook.on_pipeline_error(RuntimeError("boom"), run_params(V2))  # logged, not raised
    guard.close()

    hook.before_pipeline_run(run_params(V2), PIPELINE, catalog(tmp_path, V2))
    hook.after_pipeline_run(run_params(V2), {})
    assert not (tmp_path / LOCK_NAME).exists()


def test_an_interrupted_run_cleans_up_at_exit(tmp_path: Path):
    data = catalog(tmp_path)
    guard = RunGuard(tmp_path, "data/")
    guard.start(run_params(V1), PIPELINE, data)
    run(guard, data, ["clean", "features", "model"])
    guard._at_exit()  # what atexit runs when Ctrl-C ends the process
    assert not (tmp_path / LOCK_NAME).exists()
    assert not (tmp_path / "06_models/model.pkl").exists()
