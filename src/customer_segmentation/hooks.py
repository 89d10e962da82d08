"""Project hooks: parameters checked before anything runs; the Spark session when Spark is the
transaction engine.

The Ibis catalog entries connect to ``transaction_engine`` (``conf/<env>/globals.yml``). On
``backend: pyspark`` Ibis reuses the active Spark session (``getOrCreate``), so this hook
starts it first, from ``conf/<env>/spark.yml``, before any dataset connects. With any other
engine it does nothing, and pyspark need not be installed.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl

from customer_segmentation.errors import set_config_env
from customer_segmentation.parameters import check_parameters

if TYPE_CHECKING:
    from kedro.framework.context import KedroContext
    from pyspark.sql import SparkSession

SPARK_BACKEND = "pyspark"
DEFAULT_MASTER = "local[*]"


def spark_settings(spark_conf: dict[str, Any]) -> dict[str, str]:
    """Spark settings as the strings Spark expects (YAML booleans become ``true``/``false``)."""
    settings = {"spark.master": DEFAULT_MASTER}
    for key, value in spark_conf.items():
        settings[str(key)] = str(value).lower() if isinstance(value, bool) else str(value)
    return settings


def start_spark_session(spark_conf: dict[str, Any], app_name: str) -> SparkSession:
    """Start (or reuse) the Spark session with ``spark_conf`` applied; quiet logging."""
    from pyspark.sql import SparkSession  # noqa: PLC0415 - only the Spark engine needs it

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


class SparkSessionHook:
    """Start the Spark session when the run's ``transaction_engine`` is Spark."""

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        engine = context.config_loader["globals"].get("transaction_engine") or {}
        if engine.get("backend") != SPARK_BACKEND:
            return
        try:
            spark_conf = context.config_loader["spark"]
        except MissingConfigException:
            spark_conf = {}
        start_spark_session(spark_conf, app_name=context.project_path.name)


class ParameterCheckHook:
    """Check every parameter group against its model as soon as the context exists.

    Kedro validates the typed ``params:`` inputs of the nodes too, but reports all problems
    as one multi-line text; this hook runs first and stops at the first problem with one line
    that names the parameter and the fix in the run's environment file.
    """

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        # imported here: the pipelines (and their libraries) load only when a run starts
        from customer_segmentation.pipeline_registry import PARAMETER_GROUPS  # noqa: PLC0415

        set_config_env(context.env)
        check_parameters(context.config_loader["parameters"], PARAMETER_GROUPS)
