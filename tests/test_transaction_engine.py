"""The transaction engine is ready before a dataset connects: DuckDB can spill on a fresh checkout.

DuckDB creates its ``temp_directory`` only when it first spills, and only if the parent
folder exists; a fresh checkout has no ``data/tmp``, so a large run failed deep into its
transaction stages ("Failed to create directory").
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml
from kedro.framework.session import KedroSession
from kedro.framework.startup import bootstrap_project

from customer_segmentation.transaction_engine import TransactionEngineHook, make_spill_directory
from tests.conftest import PROJECT_ROOT, copy_project

#: A sort of about 100 MB of text: more than the memory limit below, so DuckDB spills.
SPILLING_QUERY = (
    "SELECT count(*) FROM (SELECT i, md5(i::VARCHAR) AS h FROM range(2000000) t(i) ORDER BY h)"
)


def spilling_sort(spill_folder: Path) -> int:
    """Run :data:`SPILLING_QUERY` under a small memory limit that spills to ``spill_folder``."""
    settings = {"memory_limit": "40MB", "temp_directory": str(spill_folder), "threads": 1}
    with duckdb.connect(config=settings) as connection:
        return connection.sql(SPILLING_QUERY).fetchone()[0]


def test_duckdb_cannot_spill_into_a_folder_whose_parent_is_missing(tmp_path):
    # the failure the hook prevents, so that the next test means something
    with pytest.raises(duckdb.IOException, match="Failed to create directory"):
        spilling_sort(tmp_path / "tmp" / "duckdb")


def test_the_spill_folder_is_made_so_a_run_can_spill(tmp_path):
    folder = tmp_path / "tmp" / "duckdb"
    made = make_spill_directory({"backend": "duckdb", "temp_directory": str(folder)})
    assert made == folder and folder.is_dir()
    assert spilling_sort(folder) == 2_000_000


@pytest.mark.parametrize(
    "engine",
    [{"backend": "duckdb"}, {"backend": "pyspark", "temp_directory": "spill"}, {}],
    ids=["duckdb-without-folder", "spark", "no-engine"],
)
def test_no_folder_is_made_without_a_duckdb_spill_folder(engine, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert make_spill_directory(engine) is None
    assert list(tmp_path.iterdir()) == []


def test_the_shipped_configuration_has_its_spill_folder_when_the_run_starts(tmp_path, monkeypatch):
    project = copy_project(tmp_path / "project")
    monkeypatch.chdir(project)  # where `kedro run` runs, and DuckDB resolves the folder from
    base = yaml.safe_load((PROJECT_ROOT / "conf/base/globals.yml").read_text())
    folder = project / base["transaction_engine"]["temp_directory"]
    assert not folder.parent.exists()  # a fresh checkout: no data/tmp
    bootstrap_project(project)
    with KedroSession.create(project_path=project) as session:
        context = session.load_context()
    hook = TransactionEngineHook()
    hook.after_context_created(context)
    # not yet: a run refused by the checks before it starts must write nothing
    assert not folder.parent.exists()
    hook.before_pipeline_run()
    assert folder.is_dir()
