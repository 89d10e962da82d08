"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from customer_segmentation.experiment_pipelines import (
    configured_experiments,
    experiments_pipeline,
    segmentation_pipeline,
)
from customer_segmentation.parameters import Parameters
from customer_segmentation.pipelines import (
    campaigns,
    churn_propensity,
    customer_table,
    customer_value,
    data_processing,
    feature_engineering,
    monitoring,
    scoring,
)
from customer_segmentation.pipelines.campaigns.params import CampaignParams
from customer_segmentation.pipelines.churn_propensity.params import ChurnPropensityParams
from customer_segmentation.pipelines.clustering.params import ClusteringParams
from customer_segmentation.pipelines.customer_table.params import CustomerTableParams
from customer_segmentation.pipelines.customer_value.params import CustomerValueParams
from customer_segmentation.pipelines.data_processing.params import DataProcessingParams
from customer_segmentation.pipelines.experiments.params import ExperimentsParams
from customer_segmentation.pipelines.feature_engineering.params import FeatureEngineeringParams
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from customer_segmentation.pipelines.monitoring.params import MonitoringParams
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.scoring.params import ScoringParams

#: Every parameter group (the top-level keys of conf/*/parameters*.yml) and its model.
PARAMETER_GROUPS: dict[str, type[Parameters]] = {
    "data_processing": DataProcessingParams,
    "feature_engineering": FeatureEngineeringParams,
    "model_selection": ModelSelectionParams,
    "experiments": ExperimentsParams,
    "clustering": ClusteringParams,
    "reporting": ReportingParams,
    "customer_table": CustomerTableParams,
    "scoring": ScoringParams,
    "monitoring": MonitoringParams,
    "customer_value": CustomerValueParams,
    "campaigns": CampaignParams,
    "churn_propensity": ChurnPropensityParams,
}


def transaction_path() -> Pipeline:
    """``data_processing`` + ``feature_engineering`` + the experiments (``model_selection``
    and ``clustering``'s fit per experiment) + ``clustering`` + ``reporting`` + ``monitoring``
    + ``customer_value`` (it needs invoice lines: the customer-table path has none)
    + ``campaigns`` (its input, ``raw_campaigns``, is optional: without the file it writes
    empty tables and the report says why).
    """
    lines = data_processing.create_pipeline() + feature_engineering.create_pipeline()
    segments = segmentation_pipeline(configured_experiments())
    value = customer_value.create_pipeline() + churn_propensity.create_pipeline()
    return lines + segments + value + campaigns.create_pipeline()


def customer_table_path() -> Pipeline:
    """``customer_table`` + the experiments + ``clustering`` + ``reporting`` + ``monitoring``.

    Built from the modules, not from ``find_pipelines``: with ``--pipelines customer_table``
    Kedro's ``find_pipelines`` loads only the requested folder.
    """
    return customer_table.create_pipeline() + segmentation_pipeline(configured_experiments())


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every pipeline ``find_pipelines`` finds runs alone under its folder name, except
    ``experiments`` (every experiment of ``experiments.run`` and their comparison),
    ``customer_table``, which is the whole customer-table path (:func:`customer_table_path`,
    ``kedro run --env customer_table --pipelines customer_table``), and ``scoring``, which
    scores a new export with the saved model (:func:`scoring_path`). ``__default__`` is the
    transaction path (:func:`transaction_path`).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["experiments"] = experiments_pipeline(configured_experiments())
    pipelines["__default__"] = transaction_path()
    pipelines["customer_table"] = customer_table_path()
    pipelines["scoring"] = scoring_path()
    return pipelines


def scoring_path() -> Pipeline:
    """A new export -> ``data_processing`` -> the customer table -> ``scoring`` -> who moved.

    Only the customer-table part of ``feature_engineering``: its model input and feature
    transforms are fitted on the export, and scoring uses the saved model's own. Who moved
    is ``monitoring``'s comparison of segments, wired to compare this export's scored
    customers with the last fitted run's ``customer_segments``.
    """
    customer_table_stage = feature_engineering.create_pipeline().to_outputs("customer_features")
    who_moved = Pipeline(
        monitoring.create_pipeline().only_nodes("compare_segments"),
        inputs={
            "customer_segments": "scored_customers",
            "previous_customer_segments": "customer_segments",
        },
        outputs={
            "segment_migration": "scoring_migration",
            "segment_changes": "scoring_segment_changes",
        },
    )
    # scoring fits nothing: an export needs a customer, not more customers than the largest K
    lines = Pipeline(
        data_processing.create_pipeline(),
        parameters={"params:model_selection.k_range.max": "params:scoring.refuse_up_to_customers"},
    )
    return lines + customer_table_stage + scoring.create_pipeline() + who_moved
