"""Wiring of the customer_table pipeline, the registry, the configuration and the example data."""

from __future__ import annotations

import pandas as pd
import pytest
from kedro.config import OmegaConfigLoader
from kedro.framework.project import configure_project
from kedro.io import DataCatalog, MemoryDataset

from customer_segmentation.generators import customer_table as generator
from customer_segmentation.parameters import check_parameters
from customer_segmentation.pipeline_registry import PARAMETER_GROUPS, register_pipelines
from customer_segmentation.pipelines.clustering.params import ClusteringParams
from customer_segmentation.pipelines.customer_table import create_pipeline
from customer_segmentation.pipelines.customer_table.params import CustomerTableParams
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams
from tests.conftest import PROJECT_ROOT
from tests.pipelines.pipeline_helpers import catalog_config, run_pipeline

from .conftest import PARAMETER_GROUP, params, tiny_table

SHARED_OUTPUTS = {"customer_features", "model_input", "feature_transforms", "data_quality_summary"}


def test_pipeline_wiring():
    pipeline = create_pipeline()
    assert pipeline.inputs() == {"raw_customers", "params:customer_table"}
    # parameters are checked by their model before the run: no validation node, no settings
    assert pipeline.all_outputs() == SHARED_OUTPUTS | {"rejected_customers"}
    assert not any(node.name.startswith("validate") for node in pipeline.nodes)
    prepare = next(node for node in pipeline.nodes if node.name == "prepare_customers")
    assert prepare.inputs == ["raw_customers", "params:customer_table"]


def test_pipeline_runs_in_memory_and_conserves_rows():
    outputs = create_pipeline().all_outputs()
    catalog = DataCatalog(
        {
            "raw_customers": MemoryDataset(tiny_table()),
            **{name: MemoryDataset(copy_mode="assign") for name in outputs},
        }
    )
    run_pipeline(create_pipeline(), catalog, {PARAMETER_GROUP: params()})
    summary = catalog.load("data_quality_summary")
    assert summary["raw_rows"] == 8 and summary["kept_rows"] == 7
    assert summary["rejected_by_reason"] == {"missing_customer_id": 1}
    assert summary["missing_values"]["annual_income"] == 1


@pytest.fixture(scope="module")
def registry():
    configure_project("customer_segmentation")
    return register_pipelines()


def test_registry_keeps_both_input_shapes_apart(registry):
    stages = (
        "data_processing",
        "feature_engineering",
        "model_selection",
        "clustering",
        "reporting",
        "monitoring",
        "customer_value",
        "campaigns",
        "churn_propensity",
    )
    # what needs invoice lines (or campaign exports): the customer-table path runs none of it
    invoice_stages = (
        "data_processing",
        "feature_engineering",
        "customer_value",
        "campaigns",
        "churn_propensity",
    )
    assert set(registry) >= {"__default__", "customer_table", "scoring", *stages}
    # the search and the fit run once per experiment, under its namespace ("baseline.")
    experiment_nodes = {node.name for node in registry["experiments"].nodes}
    default_nodes = {node.name for node in registry["__default__"].nodes}
    assert {name.rsplit(".", 1)[-1] for name in default_nodes} == {
        node.name for stage in stages for node in registry[stage].nodes
    } | {name.rsplit(".", 1)[-1] for name in experiment_nodes}
    assert not default_nodes & {node.name for node in create_pipeline().nodes}
    table_path = {node.name for node in registry["customer_table"].nodes}
    expected = {node.name for node in create_pipeline().nodes} | (
        default_nodes - {node.name for stage in invoice_stages for node in registry[stage].nodes}
    )
    assert table_path == expected
    assert registry["customer_table"].inputs() == {
        "raw_customers",
        "params:customer_table",
        "params:model_selection",
        "params:experiments",
        "params:experiments.run.baseline",
        "params:clustering",
        "params:reporting",
        "params:monitoring",
        "params:monitoring.drift",
        "previous_customer_segments",
        "previous_segmentation_model",
        "previous_segment_centroids",
        # customer_value's and campaigns' outputs, which this path never writes: Optional
        # datasets that load None, and the report says why it has no such section
        "customer_value",
        "customer_value_segments",
        "customer_value_validation",
        "customer_value_model",
        "campaign_lift",
        "churn_metrics",
        "churn_calibration",
        "churn_segments",
        "churn_targets",
    }


def parameters(env: str) -> dict:
    loader = OmegaConfigLoader(
        conf_source=str(PROJECT_ROOT / "conf"),
        base_env="base",
        default_run_env=env,
        merge_strategy={"parameters": "soft"},
    )
    return loader["parameters"]


def test_the_environment_overrides_only_what_differs_and_is_valid():
    base, env = parameters("base"), parameters("customer_table")
    # every group of the merged environment passes its model, as the run's hook checks it
    checked = check_parameters(env, PARAMETER_GROUPS)
    table = checked["customer_table"]
    assert isinstance(table, CustomerTableParams) and table.id_column == "customer_id"
    assert base["customer_table"]["id_column"] != env["customer_table"]["id_column"]
    assert env["customer_table"]["parsing"] == base["customer_table"]["parsing"]  # soft merge
    settings = checked["clustering"]
    assert isinstance(settings, ClusteringParams) and settings.relabel_by == "spending_score"
    assert "recency" in settings.naming.fallback.labels  # base labels kept
    assert settings.naming.fallback.labels["age"].low == "Younger"
    assert [rule.name for rule in settings.naming.rules][0] == "Affluent Spenders"
    selection = checked["model_selection"]
    assert isinstance(selection, ModelSelectionParams) and selection.study.n_trials == 100
    assert env["reporting"]["revenue_column"] == base["reporting"]["revenue_column"]
    for group in ("data_processing", "feature_engineering"):
        assert env[group] == base[group]


def test_catalog_declares_the_datasets_in_base_and_points_the_env_at_the_example():
    base = catalog_config({"raw_customers", "rejected_customers", "planted_customer_groups"})
    assert set(base) == {"raw_customers", "rejected_customers"}
    # the true groups are for tests only: declared in the test environment
    assert set(catalog_config({"planted_customer_groups"}, env="test")) == {
        "planted_customer_groups"
    }
    env = catalog_config({"raw_customers"}, env="customer_table")["raw_customers"]
    # base reads the shipped example too (a file that exists), the environment says so itself
    assert env["filepath"] == "data/01_raw/customers.csv" == base["raw_customers"]["filepath"]
    assert (PROJECT_ROOT / base["raw_customers"]["filepath"]).is_file()
    env["filepath"] = str(PROJECT_ROOT / env["filepath"])
    raw = DataCatalog.from_config({"raw_customers": env}).load("raw_customers")
    assert list(raw.columns) == list(generator.COLUMNS)
    assert all(pd.api.types.is_string_dtype(raw[column]) for column in raw.columns)


# ---- example data ------------------------------------------------------------------------


def test_the_generator_is_deterministic_and_plants_messy_groups():
    table, planted = generator.generate_customer_table(rows=500, seed=1)
    again, planted_again = generator.generate_customer_table(rows=500, seed=1)
    pd.testing.assert_frame_equal(table, again)
    pd.testing.assert_frame_equal(planted, planted_again)
    other, _ = generator.generate_customer_table(rows=500, seed=2)
    assert not table.equals(other)
    assert len(table) == 500 and list(table.columns) == list(generator.COLUMNS)
    with_id = table["customer_id"].notna()
    assert 0 < (~with_id).sum() < 10
    assert table.loc[with_id, "customer_id"].is_unique
    assert planted["customer_id"].tolist() == table.loc[with_id, "customer_id"].tolist()
    assert set(planted["segment"]) == {group.name for group in generator.GROUPS}
    for column in ("age", "annual_income", "occupation"):
        assert table[column].isna().any()
    assert table["age"].isin(generator.UNPARSEABLE_AGE_VALUES).sum() >= 1


def test_the_shipped_example_is_the_generator_default(tmp_path):
    output, planted = tmp_path / "customers.csv", tmp_path / "planted.csv"
    generator.main(["--output", str(output), "--planted-output", str(planted)])
    raw = PROJECT_ROOT / "data/01_raw"
    assert output.read_bytes() == (raw / "customers.csv").read_bytes()
    assert planted.read_bytes() == (raw / "customers_planted.csv").read_bytes()
    generator.main(
        ["--rows", "50", "--seed", "3", "--output", str(output), "--planted-output", str(planted)]
    )
    assert len(pd.read_csv(output)) == 50
