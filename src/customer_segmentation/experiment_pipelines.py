"""Each experiment of ``experiments.run`` as a namespaced instance of the search and the fit.

An experiment ``<name>`` is ``model_selection`` (with its changes applied) and the final
fit of ``clustering``, on its own features, under the Kedro namespace ``<name>``: its
datasets are ``<name>.best_params``, ``<name>.clustering_model`` and so on, kedro-viz shows
it as one box, and ``kedro run --namespaces <name>`` runs it alone. The chosen experiment
writes the plain names instead (``best_params``, ``clustering_model``, ...), which the rest
of the run reads: names, the saved model, the report.

Kedro builds the pipelines before any node reads a parameter, so which experiments exist is
read from the run's configuration when the project context is created
(:class:`customer_segmentation.context.SegmentationContext` calls
:func:`remember_configuration`). Without a context (``kedro registry``, a test building the
pipelines directly) the default applies: one experiment, ``baseline``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kedro.pipeline import Pipeline
from pydantic import ValidationError

from customer_segmentation.errors import InputValidationError
from customer_segmentation.parameters import parameter_error, with_changes
from customer_segmentation.pipelines import clustering, model_selection, monitoring, reporting
from customer_segmentation.pipelines.experiments.params import ExperimentsParams, ExperimentSpec
from customer_segmentation.pipelines.experiments.pipeline import (
    CHOSEN_OUTPUTS,
    FEATURE_TRANSFORMS,
    MODEL_INPUT,
    create_comparison_pipeline,
    create_features_pipeline,
    create_summary_pipeline,
)
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams

GROUP = "experiments"
DEFAULT = ExperimentsParams(chosen="baseline", run={"baseline": ExperimentSpec()})
_FIT = "fit_segmentation_model"

_configured: dict[str, ExperimentsParams] = {}


def remember_configuration(parameters: Mapping[str, Any]) -> bool:
    """Keep the run's ``experiments:`` for :func:`configured_experiments`.

    Returns whether it differs from the one kept before (the pipelines must be rebuilt).
    A group that does not validate is left for ``ParameterCheckHook`` to report.
    """
    try:
        current = ExperimentsParams.model_validate(parameters.get(GROUP) or {})
    except ValidationError:
        current = DEFAULT
    changed = _configured.get(GROUP, DEFAULT) != current
    _configured[GROUP] = current
    return changed


def configured_experiments() -> ExperimentsParams:
    """The experiments of the current run's configuration (``baseline`` alone by default)."""
    return _configured.get(GROUP, DEFAULT)


def check_experiments(parameters: Mapping[str, Any]) -> None:
    """Each experiment's search settings, with its changes applied, must be valid.

    Raises one :class:`InputValidationError` naming ``experiments.run.<name>.model_selection...``,
    or the experiment's ``features`` when they leave out ``clustering.relabel_by`` (the
    feature that numbers its clusters).
    """
    group = ExperimentsParams.model_validate(parameters[GROUP])
    relabel_by = parameters["clustering"]["relabel_by"]
    for name, spec in group.run.items():
        if spec.features is not None and relabel_by not in ("size", *spec.features):
            raise InputValidationError(
                f"leaves out {relabel_by!r}, the feature clustering.relabel_by numbers the "
                "clusters by",
                f"add {relabel_by} to the experiment's features, or set clustering.relabel_by: "
                "size",
                parameter=f"{GROUP}.run.{name}.features",
            )
        try:
            ModelSelectionParams.model_validate(
                with_changes(parameters["model_selection"], spec.model_selection)
            )
        except ValidationError as error:
            problem = parameter_error(error, "model_selection", ModelSelectionParams)
            raise InputValidationError(
                problem.problem,
                f"change experiments.run.{name}.model_selection in parameters_experiments.yml",
                parameter=f"{GROUP}.run.{name}.{problem.parameter}",
            ) from None


def experiment_pipeline(name: str, chosen: str) -> Pipeline:
    """Experiment ``name``: its features, search, final fit and summary, namespaced."""
    body = Pipeline(
        model_selection.create_experiment_pipeline()
        + clustering.create_pipeline().only_nodes(_FIT)
        + create_summary_pipeline(),
        inputs={"model_input": MODEL_INPUT, "feature_transforms": FEATURE_TRANSFORMS},
    )
    return Pipeline(
        create_features_pipeline() + body,
        namespace=name,
        inputs={"model_input", "feature_transforms"},
        parameters={
            "model_selection": "model_selection",
            "clustering": "clustering",
            "experiment": f"{GROUP}.run.{name}",
        },
        outputs={output: output for output in CHOSEN_OUTPUTS} if name == chosen else None,
    )


def experiments_pipeline(configured: ExperimentsParams) -> Pipeline:
    """Every experiment, and their comparison."""
    names = list(configured.run)
    stage = sum((experiment_pipeline(name, configured.chosen) for name in names), Pipeline([]))
    return stage + create_comparison_pipeline(names, configured.chosen)


def segmentation_pipeline(configured: ExperimentsParams) -> Pipeline:
    """From ``model_input`` to named segments, report and monitoring, through the experiments.

    ``clustering`` (but its fit, which each experiment does), ``reporting`` and
    ``monitoring`` read the chosen experiment's model input and transforms (its features).
    """
    whole_clustering = clustering.create_pipeline()
    after_fit = whole_clustering - whole_clustering.only_nodes(_FIT)
    chosen = configured.chosen
    downstream = Pipeline(
        after_fit + reporting.create_pipeline() + monitoring.create_pipeline(),
        inputs={
            "model_input": f"{chosen}.{MODEL_INPUT}",
            "feature_transforms": f"{chosen}.{FEATURE_TRANSFORMS}",
        },
    )
    return experiments_pipeline(configured) + downstream
