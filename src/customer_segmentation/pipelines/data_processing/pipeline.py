"""Wiring of the ``data_processing`` pipeline.

Parameters are typed per part (``params:data_processing.column_mapping`` / ``.parsing`` /
``.plausibility`` / ``.cleaning``), so ``params:data_processing`` is never a node input as a whole.
"""

from kedro.pipeline import Node, Pipeline

from .nodes import (
    label_transactions,
    map_columns,
    parse_transactions,
    split_transactions,
    summarise_data_quality,
)


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                map_columns,
                inputs=["raw_transactions", "params:data_processing.column_mapping"],
                outputs="mapped_transactions",
                name="map_columns",
            ),
            Node(
                parse_transactions,
                # the plausible window of dates ends before the snapshot, when one is set
                inputs=[
                    "mapped_transactions",
                    "params:data_processing.parsing",
                    "params:data_processing.plausibility",
                    "params:feature_engineering.snapshot_date",
                ],
                outputs="parsed_transactions",
                name="parse_transactions",
            ),
            Node(
                label_transactions,
                inputs=["parsed_transactions", "params:data_processing.cleaning"],
                outputs="labelled_transactions",
                name="label_transactions",
            ),
            Node(
                split_transactions,
                # the checks that need the clean lines run here, before anything is written:
                # enough customers for the largest K, a snapshot after the last invoice
                inputs=[
                    "labelled_transactions",
                    "params:model_selection.k_range.max",
                    "params:feature_engineering.snapshot_date",
                ],
                outputs=["clean_transactions", "rejected_transactions"],
                name="split_transactions",
            ),
            Node(
                summarise_data_quality,
                inputs=["raw_transactions", "clean_transactions", "rejected_transactions"],
                outputs="data_quality_summary",
                name="summarise_data_quality",
            ),
        ]
    )
