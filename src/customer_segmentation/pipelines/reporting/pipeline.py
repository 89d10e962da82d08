"""Wiring of the reporting pipeline."""

from __future__ import annotations

import inspect
from typing import Any

from kedro.pipeline import Node, Pipeline, node

from . import customer_list, summary, tables, workbook
from .charts import CHARTS, embed_charts
from .figures import FIGURES
from .report import render_html_report

PARAMS = "params:reporting"
#: churn_propensity's outputs the report reads (None where it did not run).
CHURN_INPUTS = ("churn_segments", "churn_metrics", "churn_calibration", "churn_targets")


def _figure_inputs(func: Any) -> dict[str, str]:
    """A figure node's inputs: each argument reads the dataset of its name."""
    arguments = inspect.signature(func).parameters
    return {name: PARAMS if name == "params" else name for name in arguments}


# Figure name -> (node function, inputs by argument name). Each node writes ``<name>_plot``
# (versioned MatplotlibDataset) and ``<name>_png`` (base64 PNG, in memory, for the HTML report).
FIGURE_NODES: dict[str, tuple[Any, dict[str, str]]] = {
    name: (func, _figure_inputs(func)) for name, func in FIGURES.items()
}


def _figure_node(name: str) -> Node:
    func, inputs = FIGURE_NODES[name]
    return node(func, inputs, [f"{name}_plot", f"{name}_png"], name=f"plot_{name}")


def _chart_node(name: str) -> Node:
    func = CHARTS[name]
    return node(func, _figure_inputs(func), f"{name}_chart", name=f"chart_{name}")


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Tables, figures, HTML report and Excel workbook from the clustering outputs."""
    table_nodes = [
        node(
            tables.build_segment_profiles,
            ["customer_features", "customer_segments", PARAMS],
            "segment_profiles",
            name="build_segment_profiles",
        ),
        node(
            tables.build_overall_profile,
            ["customer_features", "customer_segments", PARAMS],
            "overall_profile",
            name="build_overall_profile",
        ),
        node(
            tables.compute_feature_tests,
            ["model_input", "customer_segments", "feature_transforms", PARAMS],
            "feature_tests",
            name="compute_feature_tests",
        ),
        node(
            summary.build_segment_summary,
            [
                "best_params",
                "stability_summary",
                "data_quality_summary",
                "segment_profiles",
                "overall_profile",
            ],
            "segment_summary",
            name="build_segment_summary",
        ),
        node(
            customer_list.build_customer_list,
            ["customer_segments", "customer_features", "segment_actions"],
            "customer_list",
            name="build_customer_list",
        ),
        node(
            workbook.build_excel_workbook,
            {
                **{
                    name: name
                    for name in (
                        "segment_profiles",
                        "segment_actions",
                        "customer_list",
                        "data_quality_summary",
                        "feature_tests",
                        "selection_candidates",
                        "customer_value_segments",
                        "customer_value_validation",
                        "campaign_lift",
                        "churn_targets",
                    )
                },
                "params": PARAMS,
            },
            "segment_workbook",
            name="build_excel_workbook",
        ),
    ]
    embed_node = node(
        embed_charts,
        {"params": PARAMS, **{name: f"{name}_chart" for name in CHARTS}},
        "report_charts",
        name="embed_charts",
    )
    report_node = node(
        render_html_report,
        {
            "segment_summary": "segment_summary",
            "segment_profiles": "segment_profiles",
            "feature_tests": "feature_tests",
            "segment_actions": "segment_actions",
            "segment_stability": "segment_stability",
            "k_grid_scores": "k_grid_scores",
            "selection_candidates": "selection_candidates",
            "monitoring_summary": "monitoring_summary",
            "segment_changes": "segment_changes",
            "feature_drift": "feature_drift",
            "experiment_comparison": "experiment_comparison",
            "experiment_agreement": "experiment_agreement",
            "customer_list": "customer_list",
            "report_charts": "report_charts",
            "customer_value_segments": "customer_value_segments",
            "customer_value_validation": "customer_value_validation",
            "customer_value_model": "customer_value_model",
            "campaign_lift": "campaign_lift",
            **{name: name for name in CHURN_INPUTS},
            "params": PARAMS,
            **{name: f"{name}_png" for name in FIGURES},
        },
        "segment_report",
        name="render_html_report",
    )
    return Pipeline(
        [
            *table_nodes,
            *(_figure_node(name) for name in FIGURES),
            *(_chart_node(name) for name in CHARTS),
            embed_node,
            report_node,
        ],
        tags=["reporting"],
    )
