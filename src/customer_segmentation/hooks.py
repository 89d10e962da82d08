"""Project hooks: parameters checked before anything runs; the transaction engine prepared
(DuckDB's spill folder; the Spark session when Spark is the engine); only the pipelines an
environment declares (``environments``); one run at a time per data root, with no partial
output left behind (``run_guard``); MLflow tracking in an environment that asks for it
(``kedro run --env tracking``).

The transaction engine's hook lives with what it prepares, in
:mod:`customer_segmentation.transaction_engine`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from kedro.config import MissingConfigException
from kedro.framework.hooks import hook_impl
from kedro_viz.integrations.kedro.hooks import DatasetStatsHook

from customer_segmentation.errors import set_config_env
from customer_segmentation.parameters import check_parameters
from customer_segmentation.run_guard.guard import RunGuard
from customer_segmentation.viz_stats import DEFAULT_ENV, record_stats

if TYPE_CHECKING:
    from kedro.framework.context import KedroContext
    from kedro.io import CatalogProtocol
    from kedro.pipeline import Node, Pipeline

logger = logging.getLogger(__name__)

if TYPE_CHECKING:
    from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook


class ParameterCheckHook:
    """Check the configuration as soon as the context exists, before any dataset is read.

    Every parameter group against its model: Kedro validates the typed ``params:`` inputs of
    the nodes too, but reports all problems as one multi-line text; this hook runs first and
    stops at the first problem with one line that names the parameter and the fix in the
    run's environment file. And the raw data's reader options: one that drops unreadable
    lines (``ignore_errors``) would hide them from the raw = clean + rejected count.
    """

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        # imported here: the pipelines (and their libraries) load only when a run starts
        from customer_segmentation.experiment_pipelines import check_experiments  # noqa: PLC0415
        from customer_segmentation.pipeline_registry import PARAMETER_GROUPS  # noqa: PLC0415
        from customer_segmentation.pipelines.data_processing.reader_options import (  # noqa: PLC0415
            check_reader_options,
        )

        set_config_env(context.env)
        parameters = context.config_loader["parameters"]
        check_parameters(parameters, PARAMETER_GROUPS)
        check_experiments(parameters)
        check_reader_options(context.config_loader["catalog"])


class EnvironmentPipelinesHook:
    """Run only the pipelines the environment declares (``pipelines`` in its globals.yml).

    Checked before the run guard takes its lock and before any dataset is read or written
    (``tryfirst``: before every other ``before_pipeline_run``); a run outside them stops with
    the one command to use. See :mod:`customer_segmentation.environments`.
    """

    def __init__(self) -> None:
        self._declared: tuple[str, ...] | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        from customer_segmentation.environments import declared_pipelines  # noqa: PLC0415

        try:
            globals_ = context.config_loader["globals"]
        except MissingConfigException:
            globals_ = {}
        self._declared = declared_pipelines(globals_, context.env)

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline: Pipeline) -> None:
        if self._declared is None:
            return
        from kedro.framework.project import pipelines  # noqa: PLC0415

        from customer_segmentation.environments import check_run  # noqa: PLC0415

        def nodes_of(name: str) -> set[str] | None:
            try:
                return {node.name for node in pipelines[name].nodes}
            except KeyError:
                return None

        check_run(
            run_params.get("env") or "local",
            self._declared,
            run_params.get("pipeline_names"),
            {node.name for node in pipeline.nodes},
            nodes_of,
        )


class RunGuardHook:
    """One run at a time per data root; a failed or killed run leaves no partial version.

    The lock ``<data_root>/.run.lock`` is taken before the runner reads or writes any dataset
    and released when the run ends; see ``customer_segmentation.run_guard``.
    """

    def __init__(self) -> None:
        self._data_root = "data"
        self._guard: RunGuard | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        try:
            data_root = context.config_loader["globals"].get("data_root")
        except MissingConfigException:
            data_root = None
        self._data_root = str(data_root or "data").rstrip("/") or "."

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: CatalogProtocol
    ) -> None:
        if self._guard is not None:  # an earlier run of this process ended without its hooks
            self._guard, stale = None, self._guard
            stale.close()
        root = self._data_root
        if "://" in root and not root.startswith("file://"):
            logger.warning("No run lock: data_root %s is not a local folder.", root)
            return
        root = root.removeprefix("file://")
        guard = RunGuard(Path(root), label=f"{root}/")
        guard.start(run_params, pipeline, catalog)
        self._guard = guard

    @hook_impl
    def before_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        if self._guard is not None:
            self._guard.saving(dataset_name)

    @hook_impl
    def after_dataset_saved(self, dataset_name: str, data: Any, node: Node) -> None:
        if self._guard is not None:
            self._guard.saved_one(dataset_name)

    @hook_impl
    def after_pipeline_run(self, run_params: dict[str, Any], run_result: dict[str, Any]) -> None:
        self._end(failed=False)

    @hook_impl
    def on_pipeline_error(self, error: Exception, run_params: dict[str, Any]) -> None:
        # never raises: the run's own error is the one to report
        try:
            self._end(failed=True)
        except Exception:
            logger.exception("Could not clean up after the failed run")

    def _end(self, *, failed: bool) -> None:
        guard, self._guard = self._guard, None
        if guard is None:
            return
        if failed:
            guard.fail()
        else:
            guard.finish()


class RunSummaryHook:
    """At the end of a successful run, copy its report and workbook to ``latest/`` (latest)
    and print what its reader looks at next (run_summary).

    Never fails the run: a copy or a summary that cannot be made is a warning.
    """

    @hook_impl
    def after_pipeline_run(self, pipeline: Pipeline, catalog: CatalogProtocol) -> None:
        # imported here: pandas loads only when a run ends
        from customer_segmentation.latest import update_latest, version_file  # noqa: PLC0415
        from customer_segmentation.run_guard.outputs import (  # noqa: PLC0415
            versioned_output_folders,
        )
        from customer_segmentation.run_summary import READ_NEXT, summary_lines  # noqa: PLC0415

        folders, latest = {}, {}
        try:
            folders = versioned_output_folders(pipeline, catalog)
            latest = {name: _shown(path) for name, path in update_latest(folders).items()}
        except Exception as error:  # the run itself succeeded
            logger.warning("The latest copies of the reports were not updated: %s", error)
        try:
            written = {name.split("@")[0] for name in pipeline.all_outputs()}
            paths = {
                name: _shown(version_file(folders[name])) for name in READ_NEXT if name in folders
            }
            lines = summary_lines(lambda name: catalog.get(name).load(), written, paths, latest)
        except Exception as error:  # the run itself succeeded
            logger.warning("No run summary: %s", error)
            return
        if lines:
            click.echo("\n".join(["", *lines]))


def _shown(path: str) -> str:
    """``path`` relative to the working directory when it is below it."""
    try:
        return str(Path(path).relative_to(Path.cwd()))
    except ValueError:
        return path


class VizStatsHook(DatasetStatsHook):
    """kedro-viz's row and column counts of the run's tables, kept per environment.

    It stands in for kedro-viz's own hook (off in settings.py), which wrote every run's counts
    over the one file kedro-viz reads, whatever the environment (viz_stats explains).
    """

    def __init__(self) -> None:
        super().__init__()
        self._project: Path | None = None
        self._env = self._default_env = DEFAULT_ENV

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        self._project = Path(context.project_path)
        self._default_env = getattr(context.config_loader, "default_run_env", "") or DEFAULT_ENV
        self._env = context.env or self._default_env

    @hook_impl
    def before_pipeline_run(self) -> None:
        self._stats.clear()  # one session may run several pipelines

    @hook_impl
    def after_pipeline_run(self) -> None:
        if self._project is None:
            return
        stats = {name: self.format_stats(counts) for name, counts in self._stats.items()}
        try:
            record_stats(self._project, self._env, stats, self._default_env)
        except OSError as error:  # the run itself succeeded
            logger.warning("kedro-viz's dataset counts were not saved: %s", error)


class MlflowTrackingHook:
    """Track the run with kedro-mlflow, only in an environment that has an ``mlflow.yml``.

    Installed, kedro-mlflow registers its hook for every run of every environment (a Kedro
    entry point): each run would start an MLflow run and create a store, or fail where none is
    configured. ``settings.py`` turns that registration off (``DISABLE_HOOKS_FOR_PLUGINS``),
    and this hook hands each call to a new kedro-mlflow ``MlflowHook`` only when the run's
    environment configures MLflow (``conf/tracking/mlflow.yml``). kedro-mlflow's own switch,
    ``tracking.disable_tracking``, cannot do this: it names pipelines, not environments, and it
    still opens the store. Elsewhere this hook reads one missing config key and does nothing
    else: no MLflow run, no store, no log line.

    The typed parameter groups reach the nodes as Pydantic models; they are handed over as
    dicts, so that kedro-mlflow logs one MLflow parameter per setting
    (``model_selection.selection.policy``) rather than one text per group.
    """

    def __init__(self) -> None:
        self._mlflow: MlflowHook | None = None

    @hook_impl
    def after_context_created(self, context: KedroContext) -> None:
        self._mlflow = None  # a new session in the same process decides again
        try:
            settings = context.config_loader["mlflow"]
        except MissingConfigException:
            return
        if not settings:
            return
        from kedro_mlflow.framework.hooks.mlflow_hook import MlflowHook  # noqa: PLC0415

        self._mlflow = MlflowHook()
        self._mlflow.after_context_created(context)

    @hook_impl
    def after_catalog_created(  # noqa: PLR0917 - the hook spec
        self,
        catalog: CatalogProtocol,
        conf_catalog: dict[str, Any],
        conf_creds: dict[str, Any],
        parameters: dict[str, Any],
        save_version: str,
        load_versions: dict[str, str],
    ) -> None:
        if self._mlflow is not None:
            self._mlflow.after_catalog_created(
                catalog, conf_catalog, conf_creds, parameters, save_version, load_versions
            )

    @hook_impl
    def before_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: CatalogProtocol
    ) -> None:
        if self._mlflow is not None:
            self._mlflow.before_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def before_node_run(
        self, node: Node, catalog: CatalogProtocol, inputs: dict[str, Any], is_async: bool
    ) -> None:
        if self._mlflow is not None:
            parameters = {
                name: _plain(value) for name, value in inputs.items() if name.startswith("params:")
            }
            self._mlflow.before_node_run(node, catalog, parameters, is_async)

    @hook_impl
    def after_pipeline_run(
        self, run_params: dict[str, Any], pipeline: Pipeline, catalog: CatalogProtocol
    ) -> None:
        if self._mlflow is not None:
            self._mlflow.after_pipeline_run(run_params, pipeline, catalog)

    @hook_impl
    def on_pipeline_error(
        self, error: Exception, run_params: dict[str, Any], pipeline: Pipeline, catalog: Any
    ) -> None:
        if self._mlflow is None or self._mlflow.run_id is None:
            return  # tracking off, or the run failed before its MLflow run started
        # never raises: the run's own error is the one to report
        try:
            self._mlflow.on_pipeline_error(error, run_params, pipeline, catalog)
        except Exception:
            logger.exception("Could not close the MLflow run of the failed run")


def _plain(value: Any) -> Any:
    """A typed parameter group (a Pydantic model) as the dict it was read from."""
    model_dump = getattr(value, "model_dump", None)
    return model_dump(mode="json") if callable(model_dump) else value
