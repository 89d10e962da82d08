"""The whole reporting pipeline: in memory, and through the real catalog entries into tmp_path."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from kedro.framework.project import configure_project
from kedro.io import CatalogConfigResolver, DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from kedro_datasets.matplotlib import MatplotlibDataset
from matplotlib.figure import Figure

from customer_segmentation.pipeline_registry import register_pipelines
from customer_segmentation.pipelines.reporting import create_pipeline
from customer_segmentation.pipelines.reporting.charts import CHART_NAMES
from customer_segmentation.pipelines.reporting.figures import FIGURE_NAMES as REPORT_FIGURES
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.workbook import EXCEL_SHEETS
from tests.pipelines.pipeline_helpers import ENVIRONMENTS, catalog_config, config_loader

from .conftest import reporting_params

#: The banner at the top of plotly.js, once per copy of the library.
PLOTLY_VERSION_MARK = "* plotly.js v"
#: Every figure's dataset: a MatplotlibDataset writing the PNG its node drew for the report.
DRAWN_FIGURE = "customer_segmentation.datasets.DrawnFigureDataset"

INPUTS = {
    "segment_migration",
    "segment_changes",
    "feature_drift",
    "monitoring_summary",
    "experiment_comparison",
    "experiment_agreement",
    "customer_features",
    "model_input",
    "feature_transforms",
    "data_quality_summary",
    "k_grid_scores",
    "optuna_trials",
    "selection_candidates",
    "best_params",
    "clustering_model",
    "customer_segments",
    "segment_centroids",
    "segment_stability",
    "stability_summary",
    "segment_actions",
    # customer_value's outputs (None where it does not run: the customer-table path)
    "customer_value",
    "customer_value_segments",
    "customer_value_validation",
    "customer_value_model",
    # campaigns' results (None on the customer-table path, empty without a campaign file)
    "campaign_lift",
    # churn_propensity's (the same)
    "churn_segments",
    "churn_metrics",
    "churn_calibration",
    "churn_targets",
    "params:reporting",
}


@pytest.fixture(autouse=True)
def _quiet_kedro_logs():
    logging.disable(logging.INFO)
    yield
    logging.disable(logging.NOTSET)


#: Entries of datasets kept in memory, declared for their kedro-viz layer only.
IN_MEMORY = "customer_segmentation.memory_dataset.LayeredMemoryDataset"


def _catalog_config() -> dict[str, Any]:
    """The catalog entries of the reporting pipeline's outputs written to files."""
    entries = catalog_config(create_pipeline().all_outputs())
    return {name: entry for name, entry in entries.items() if entry["type"] != IN_MEMORY}


def _memory_inputs(inputs: dict[str, Any], params: ReportingParams) -> dict[str, MemoryDataset]:
    data = {**inputs, "params:reporting": params}
    return {name: MemoryDataset(value) for name, value in data.items()}


def test_pipeline_inputs_match_the_upstream_contracts():
    assert create_pipeline().inputs() == INPUTS


def test_pipeline_runs_on_memory_datasets(inputs, params):
    pipeline = create_pipeline()
    # Outputs registered up front (assign: no deep copy of figures) so they can be inspected.
    outputs = {name: MemoryDataset(copy_mode="assign") for name in pipeline.all_outputs()}
    catalog = DataCatalog({**_memory_inputs(inputs, params), **outputs})

    SequentialRunner().run(pipeline, catalog)

    html = catalog.load("segment_report")
    assert html.startswith("<!DOCTYPE html>")
    # each figure once: as a picture, or as the interactive chart that stands in for it
    assert html.count('<img src="data:image/png;base64,') == len(REPORT_FIGURES) - len(CHART_NAMES)
    for name in CHART_NAMES:
        assert html.count(f'<div id="chart-{name}"') == 1
    assert html.count(PLOTLY_VERSION_MARK) == 1  # plotly.js written once
    for cluster in inputs["customer_segments"]["cluster"].unique():
        assert f'id="segment-{cluster}"' in html
    workbook = catalog.load("segment_workbook")
    assert workbook.sheet_names == list(EXCEL_SHEETS)
    assert len(workbook["customer_segments"].table) == len(inputs["customer_segments"])
    for name in REPORT_FIGURES:
        assert isinstance(catalog.load(f"{name}_plot"), Figure)


def test_catalog_declares_every_persisted_output_versioned():
    config = _catalog_config()
    pipeline = create_pipeline()
    in_memory = {f"{name}_png" for name in REPORT_FIGURES} | {"overall_profile", "report_charts"}
    assert set(config) == pipeline.all_outputs() - in_memory
    for name, entry in config.items():
        assert entry["versioned"] is True, name
        assert entry["filepath"].startswith("data/08_reporting/"), name
        assert entry["metadata"]["kedro-viz"]["layer"] == "reporting"
    for name in REPORT_FIGURES:
        assert config[f"{name}_plot"]["type"] == DRAWN_FIGURE
    for name in CHART_NAMES:
        assert config[f"{name}_chart"]["type"] == "plotly.JSONDataset"


@pytest.fixture(scope="module")
def figures(_cached_inputs) -> set[str]:
    """The outputs that hold a matplotlib Figure after a run, whatever their names."""
    pipeline = create_pipeline()
    outputs = {name: MemoryDataset(copy_mode="assign") for name in pipeline.all_outputs()}
    catalog = DataCatalog({**_memory_inputs(_cached_inputs, reporting_params()), **outputs})
    SequentialRunner().run(pipeline, catalog)
    # a figure is saved, never read by another node: a final output (the runner frees the rest)
    return {name for name in pipeline.outputs() if isinstance(catalog.load(name), Figure)}


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_the_plot_factory_declares_every_figure_the_pipeline_outputs(figures, env):
    assert len(figures) == len(REPORT_FIGURES)
    declared = {
        name: entry for name, entry in catalog_config(env=env).items() if entry["type"] != IN_MEMORY
    }
    assert not figures & set(declared)  # none declared one by one
    # the factory takes the figures and nothing else that a pipeline reads or writes (the
    # tracking environment has a factory of its own, for the experiments' metrics)
    configure_project("customer_segmentation")
    every_dataset = set().union(*(p.datasets() for p in register_pipelines().values()))
    factories = CatalogConfigResolver(config=declared)
    plots = {n for n in every_dataset if factories.match_dataset_pattern(n) == "{figure}_plot"}
    assert plots == figures
    data_root = config_loader(env)["globals"]["data_root"]
    real = DataCatalog.from_config(declared)
    for name, entry in catalog_config(figures, env=env).items():
        assert entry["type"] == DRAWN_FIGURE, name
        assert entry["versioned"] is True, name
        assert entry["filepath"].startswith(f"{data_root}/08_reporting/plots/"), name
        assert entry["metadata"]["kedro-viz"]["layer"] == "reporting", name
        assert isinstance(real.get(name), MatplotlibDataset), name


def _versioned_file(root: Path, filepath: str) -> Path:
    """The one file saved under ``<filepath>/<version>/<name>``."""
    target = root / filepath
    files = list(target.glob(f"*/{target.name}"))
    assert len(files) == 1, f"expected one saved version of {filepath}, found {files}"
    return files[0]


def test_pipeline_saves_through_the_real_catalog(inputs, params, tmp_path):
    config = _catalog_config()
    for entry in config.values():
        entry["filepath"] = str(tmp_path / entry["filepath"])
    catalog = DataCatalog.from_config(config)
    for name, dataset in _memory_inputs(inputs, params).items():
        catalog[name] = dataset

    SequentialRunner().run(create_pipeline(), catalog)

    for name in REPORT_FIGURES:
        png = _versioned_file(tmp_path, f"data/08_reporting/plots/{name}.png")
        assert png.read_bytes().startswith(b"\x89PNG")
    book = openpyxl.load_workbook(
        _versioned_file(tmp_path, "data/08_reporting/segment_report.xlsx")
    )
    assert book.sheetnames == list(EXCEL_SHEETS)
    html = _versioned_file(tmp_path, "data/08_reporting/segment_report.html").read_text("utf-8")
    # each figure once: as a picture, or as the interactive chart that stands in for it
    assert html.count('<img src="data:image/png;base64,') == len(REPORT_FIGURES) - len(CHART_NAMES)
    for name in CHART_NAMES:
        assert html.count(f'<div id="chart-{name}"') == 1
    assert html.count(PLOTLY_VERSION_MARK) == 1  # plotly.js written once
    profiles = catalog.load("segment_profiles")
    assert isinstance(profiles, pd.DataFrame) and profiles["customers"].sum() == 300
    assert catalog.load("segment_summary")["k"] == 4
    assert catalog.load("feature_tests")["eta_squared"].is_monotonic_decreasing

    # What kedro-viz does for a preview: call `preview(**preview_args)` where defined.
    for name, entry in config.items():
        dataset = catalog.get(name)
        if not hasattr(dataset, "preview"):
            assert entry["type"] == "text.TextDataset"
            continue
        preview = dataset.preview(**entry["metadata"]["kedro-viz"].get("preview_args", {}))
        if entry["type"] == DRAWN_FIGURE:
            assert base64.b64decode(preview).startswith(b"\x89PNG"), name
        elif entry["type"].startswith("pandas.") or entry["type"].endswith(
            ("ExcelDataset", "CSVDataset")
        ):
            assert preview["data"] and preview["columns"], name
        elif entry["type"] == "plotly.JSONDataset":  # drawn by kedro-viz
            assert preview["data"] and preview["layout"]["title"]["text"], name
        else:
            assert '"k": 4' in preview, name
