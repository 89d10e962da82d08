"""Project settings: Kedro defaults except where a comment says why."""

import logging
import warnings

from kedro_viz.integrations.kedro.run_hooks import PipelineRunStatusHook

from customer_segmentation.context import SegmentationContext
from customer_segmentation.hooks import (
    EnvironmentPipelinesHook,
    MlflowTrackingHook,
    ParameterCheckHook,
    RunGuardHook,
    RunSummaryHook,
    VizStatsHook,
)
from customer_segmentation.transaction_engine import TransactionEngineHook

# Kedro 1.7 calls an OmegaConf 2.4 API that OmegaConf now flags as deprecated; the warning
# appears on every run and there is nothing for a user to act on.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
# The comparison of the experiments, and the steps after the chosen one, read datasets of
# other namespaces by their full names (`gmm.best_params`) on purpose.
warnings.filterwarnings("ignore", message=r"One or more dataset names contain '\.' characters")
# Kedro imports the commands of every installed plugin on every `kedro` call, so kedro-mlflow
# (and MLflow) load even when nothing is tracked, and MLflow then warns about a class of
# kedro-mlflow's that has no type hints: nothing for a user to act on. MLflow emits it under
# a warnings filter of its own, which overrides any set here, so it is dropped where Kedro
# logs warnings (logger "py.warnings").
logging.getLogger("py.warnings").addFilter(
    lambda record: "Add type hints to the `predict` method" not in record.getMessage()
)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (`--env NAME`) overrides single parameter keys of base (soft merge),
    # while a catalog entry it declares replaces the base entry of that name whole, so a
    # dataset can change type (CSV -> Excel -> database table) without stale keys.
    "merge_strategy": {"parameters": "soft"},
    # spark.yml: the Spark session of an environment whose transaction engine is Spark.
    # mlflow.yml: the MLflow settings of an environment that tracks its runs (conf/tracking/).
    "config_patterns": {"spark": ["spark*", "spark*/**"], "mlflow": ["mlflow*", "mlflow*/**"]},
}

# kedro-mlflow would otherwise hook into every run of every environment (its hook registers
# itself on install): start an MLflow run and create a store, or stop the run where no store
# is configured. MlflowTrackingHook below calls kedro-mlflow's hook only in an environment
# with an mlflow.yml (`kedro run --env tracking`); the others run as if it were not installed.
# The name is the distribution's as its metadata spells it, with an underscore: "kedro-mlflow"
# would not match.
#
# kedro-viz's hooks are off too, and back below as two of the project's: its run-status hook
# as it is, and its dataset-counts hook as VizStatsHook, which keeps the counts of each
# environment apart (kedro-viz wrote every environment's over one file).
DISABLE_HOOKS_FOR_PLUGINS = ("kedro_mlflow", "kedro-viz")

# Parameters are checked before anything runs; the transaction engine is made ready before Ibis
# connects (DuckDB's spill folder; the Spark session, only when the engine is Spark); an environment runs only the pipelines it declares
# (`pipelines` in its globals.yml), checked before anything is read or written; one run at a
# time per data root, and a failed or killed run leaves no partial version behind (the
# run_guard package); a finished run ends with a summary of its segments and the paths of its
# report and workbook. Hooks are called last registered first: MlflowTrackingHook comes first
# so that it starts an MLflow run only once the parameters are checked and the run holds its
# lock; EnvironmentPipelinesHook checks the pipelines before all of them (tryfirst).
HOOKS = (
    MlflowTrackingHook(),
    ParameterCheckHook(),
    TransactionEngineHook(),
    EnvironmentPipelinesHook(),
    RunGuardHook(),
    RunSummaryHook(),
    VizStatsHook(),
    PipelineRunStatusHook(),
)

# Records the run's experiments when the context is created, before Kedro builds the
# pipelines: each experiment is a namespaced pipeline (customer_segmentation.context).
CONTEXT_CLASS = SegmentationContext
