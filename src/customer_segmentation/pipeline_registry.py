"""Project pipelines."""

from __future__ import annotations

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

from customer_segmentation.parameters import Parameters
from customer_segmentation.pipelines import clustering, customer_table, model_selection, reporting
from customer_segmentation.pipelines.clustering.params import ClusteringParams
from customer_segmentation.pipelines.customer_table.params import CustomerTableParams
from customer_segmentation.pipelines.data_processing.params import DataProcessingParams
from customer_segmentation.pipelines.feature_engineering.params import FeatureEngineeringParams
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from customer_segmentation.pipelines.reporting.params import ReportingParams

#: Every parameter group (the top-level keys of conf/*/parameters*.yml) and its model.
PARAMETER_GROUPS: dict[str, type[Parameters]] = {
    "data_processing": DataProcessingParams,
    "feature_engineering": FeatureEngineeringParams,
    "model_selection": ModelSelectionParams,
    "clustering": ClusteringParams,
    "reporting": ReportingParams,
    "customer_table": CustomerTableParams,
}

#: Pipelines of the customer-table input shape. They write the same datasets as
#: ``data_processing`` and ``feature_engineering`` (``customer_features``, ``model_input``,
#: ``feature_transforms``, ``data_quality_summary``), so ``__default__`` leaves them out.
CUSTOMER_TABLE_ONLY = ("customer_table",)


def customer_table_path() -> Pipeline:
    """``customer_table`` + ``model_selection`` + ``clustering`` + ``reporting``.

    Built from the modules, not from ``find_pipelines``: with ``--pipelines customer_table``
    Kedro's ``find_pipelines`` loads only the requested folder.
    """
    return sum(
        (
            module.create_pipeline()
            for module in (customer_table, model_selection, clustering, reporting)
        ),
        Pipeline([]),
    )


def register_pipelines() -> dict[str, Pipeline]:
    """Register the project's pipelines.

    Every pipeline ``find_pipelines`` finds runs alone under its folder name, except
    ``customer_table``, which is the whole customer-table path (:func:`customer_table_path`,
    ``kedro run --env customer_table --pipelines customer_table``). ``__default__`` is the
    transaction path: every other pipeline (``data_processing`` + ``feature_engineering`` +
    ``model_selection`` + ``clustering`` + ``reporting``).

    Returns:
        A mapping from pipeline names to ``Pipeline`` objects.
    """
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum(
        (pipeline for name, pipeline in pipelines.items() if name not in CUSTOMER_TABLE_ONLY),
        Pipeline([]),
    )
    pipelines["customer_table"] = customer_table_path()
    return pipelines
