"""Project settings: Kedro defaults except where a comment says why."""

import warnings

from customer_segmentation.context import SegmentationContext
from customer_segmentation.hooks import (
    EnvironmentPipelinesHook,
    ParameterCheckHook,
    RunGuardHook,
    RunSummaryHook,
    SparkSessionHook,
)

# Kedro 1.7 calls an OmegaConf 2.4 API that OmegaConf now flags as deprecated; the warning
# appears on every run and there is nothing for a user to act on.
warnings.filterwarnings("ignore", message=r"register_new_resolver\(\) is deprecated")
# The comparison of the experiments, and the steps after the chosen one, read datasets of
# other namespaces by their full names (`gmm.best_params`) on purpose.
warnings.filterwarnings("ignore", message=r"One or more dataset names contain '\.' characters")

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # An environment (`--env NAME`) overrides single parameter keys of base (soft merge),
    # while a catalog entry it declares replaces the base entry of that name whole, so a
    # dataset can change type (CSV -> Excel -> database table) without stale keys.
    "merge_strategy": {"parameters": "soft"},
    # spark.yml: the Spark session of an environment whose transaction engine is Spark.
    "config_patterns": {"spark": ["spark*", "spark*/**"]},
}

# Parameters are checked before anything runs; the Spark session starts before Ibis connects,
# only when the engine is Spark; an environment runs only the pipelines it declares
# (`pipelines` in its globals.yml), checked before anything is read or written; one run at a
# time per data root, and a failed or killed run leaves no partial version behind (the
# run_guard package); a finished run ends with a summary of its segments and the paths of its
# report and workbook.
HOOKS = (
    ParameterCheckHook(),
    SparkSessionHook(),
    EnvironmentPipelinesHook(),
    RunGuardHook(),
    RunSummaryHook(),
)

# Records the run's experiments when the context is created, before Kedro builds the
# pipelines: each experiment is a namespaced pipeline (customer_segmentation.context).
CONTEXT_CLASS = SegmentationContext
