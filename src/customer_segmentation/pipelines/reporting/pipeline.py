"""Wiring of the reporting pipeline."""

from __future__ import annotations

from typing import Any

from kedro.pipeline import Node, Pipeline, node

from . import nodes
from .report import REPORT_FIGURES, render_html_report

PARAMS = "params:reporting"

# Figure name -> (node function, inputs: a list, or a dict by argument name). Each node writes
# ``<name>_plot`` (versioned MatplotlibDataset) and ``<name>_png`` (base64 PNG, in memory, for
# the HTML report).
FIGURE_NODES: dict[str, tuple[Any, list[str] | dict[str, str]]] = {
    "raw_feature_distributions": (
        nodes.plot_raw_feature_distributions,
        ["customer_features", "feature_transforms", PARAMS],
    ),
    "model_feature_distributions": (
        nodes.plot_model_feature_distributions,
        ["model_input", "feature_transforms", PARAMS],
    ),
    "feature_correlation": (
        nodes.plot_feature_correlation,
        ["model_input", "feature_transforms", PARAMS],
    ),
    "elbow_curve": (nodes.plot_elbow_curve, ["k_grid_scores", "best_params", PARAMS]),
    "k_metrics": (nodes.plot_k_metrics, ["k_grid_scores", "best_params", PARAMS]),
    "optuna_history": (nodes.plot_optuna_history, ["optuna_trials", PARAMS]),
    "optuna_landscape": (nodes.plot_optuna_landscape, ["optuna_trials", PARAMS]),
    "silhouette": (
        nodes.plot_silhouette,
        {
            "model_input": "model_input",
            "customer_segments": "customer_segments",
            "segmentation_model": "clustering_model",
            "feature_transforms": "feature_transforms",
            "params": PARAMS,
            "best_params": "best_params",
        },
    ),
    "pca_scatter": (
        nodes.plot_pca_scatter,
        ["model_input", "customer_segments", "clustering_model", "feature_transforms", PARAMS],
    ),
    "centroid_heatmap": (
        nodes.plot_centroid_heatmap,
        ["segment_centroids", "customer_segments", "feature_transforms", PARAMS],
    ),
    "feature_boxplots": (
        nodes.plot_feature_boxplots,
        ["customer_features", "customer_segments", PARAMS],
    ),
    "segment_shares": (nodes.plot_segment_shares, ["segment_profiles", PARAMS]),
}


def _figure_node(name: str) -> Node:
    func, inputs = FIGURE_NODES[name]
    return node(func, inputs, [f"{name}_plot", f"{name}_png"], name=f"plot_{name}")


def create_pipeline(**kwargs: Any) -> Pipeline:
    """Tables, figures, HTML report and Excel workbook from the clustering outputs."""
    table_nodes = [
        node(
            nodes.build_segment_profiles,
            ["customer_features", "customer_segments", PARAMS],
            "segment_profiles",
            name="build_segment_profiles",
        ),
        node(
            nodes.build_overall_profile,
            ["customer_features", "customer_segments", PARAMS],
            "overall_profile",
            name="build_overall_profile",
        ),
        node(
            nodes.compute_feature_tests,
            ["model_input", "customer_segments", "feature_transforms", PARAMS],
            "feature_tests",
            name="compute_feature_tests",
        ),
        node(
            nodes.build_segment_summary,
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
            nodes.build_excel_workbook,
            [
                "segment_profiles",
                "feature_tests",
                "customer_segments",
                "selection_candidates",
                PARAMS,
            ],
            "segment_workbook",
            name="build_excel_workbook",
        ),
    ]
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
            "params": PARAMS,
            **{name: f"{name}_png" for name in REPORT_FIGURES},
        },
        "segment_report",
        name="render_html_report",
    )
    return Pipeline(
        [*table_nodes, *(_figure_node(name) for name in REPORT_FIGURES), report_node],
        tags=["reporting"],
    )
