"""The transaction engine (``transaction_engine`` in ``conf/<env>/globals.yml``), made ready
before any dataset connects to it.

The Ibis catalog entries connect to that one engine. On ``backend: duckdb`` the spill folder
must exist before DuckDB first spills; on ``backend: pyspark`` Ibis reuses the active Spark
session (``getOrCreate``), so it is started first, from ``conf/<env>/spark.yml``. With any
other engine nothing happens here, and pyspark need not be installed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl

from customer_segmentation.errors import InputValidationError

if TYPE_CHECKING:
    from kedro.framework.context import KedroContext
    from pyspark.sql import SparkSession

SPARK_BACKEND = "pyspark"
DUCKDB_BACKEND = "duckdb"
DEFAULT_MASTER = "local[*]"


def spark_settings(spark_conf: dict[str, Any]) -> dict[str, str]:
    """Spark settings as the strings Spark expects (YAML booleans become ``true``/``false``)."""
    settings = {"spark.master": DEFAULT_MASTER}
    for key, value in spark_conf.items():
        settings[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return settings


def start_spark_session(spark_conf: dict[str, Any], app_name: str) -> SparkSession:
    """Start (or reuse) the Spark session with ``spark_conf`` applied; quiet logging."""
    try:
        from pyspark.sql import SparkSession  # noqa: PLC0415 - only the Spark engine needs it
    except ImportError:
        raise InputValidationError(
            "is pyspark, which is not installed (an optional extra, about 470 MB)",
            "run `make spark` (or `pip install -c requirements.lock -r requirements-spark.lock`"
            " in the virtual environment), or choose another engine",
            parameter="globals.transaction_engine.backend",
        ) from None

    settings = spark_settings(spark_conf)
    if settings["spark.master"].startswith("local"):
        # Local mode binds to this host only: no network lookup of the machine's address
        # (which fails or warns on machines without outside DNS).
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.appName(app_name)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("WARN")
    return session


def make_spill_directory(engine: dict[str, Any]) -> Path | None:
    """Create DuckDB's ``temp_directory`` (and its parents) when the engine sets one.

    DuckDB creates the folder itself only when its parent exists, and only when it first
    spills: deep into a large run, which then fails on a fresh checkout (no ``data/tmp``).
    A relative path is taken from the working directory, as DuckDB takes it.
    """
    folder = engine.get("temp_directory")
    if engine.get("backend") != DUCKDB_BACKEND or not folder:
        return None
    path = Path(str(folder))
    path.mkdir(parents=True, exist_ok=True)
    return path


class TransactionEngineHook:
    """Prepare the run's ``transaction_engine`` before any dataset connects to it.

    Spark: the session is started from ``conf/<env>/spark.yml`` when the context is created.
    DuckDB: its spill folder is made when the pipeline run starts (:func:`make_spill_directory`),
    after the checks that refuse a run, so a refused run still writes nothing; DuckDB
    connects, and spills, only later, when a node loads or saves.
    """

    def __init__(self) -> None:
        self._engine: dict[str, Any] = {}

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        self._engine = context.config_loader["globals"].get("transaction_engine") or {}
        if self._engine.get("backend") != SPARK_BACKEND:
            return
        try:
            spark_conf = context.config_loader["spark"]
        except MissingConfigException:
            spark_conf = {}
        start_spark_session(spark_conf, app_name=context.project_path.name)

    @hook_impl
    def before_pipeline_run(self) -> None:
        make_spill_directory(self._engine)
