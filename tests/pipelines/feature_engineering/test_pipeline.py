"""data_processing + feature_engineering together on the project's own catalog entries."""

from __future__ import annotations

import pandas as pd

from customer_segmentation.pipelines import data_processing, feature_engineering
from tests.pipelines.data_processing.test_pipeline import write_raw
from tests.pipelines.pipeline_helpers import (
    TWO_SEGMENTS,
    project_catalog,
    run_pipeline,
)


def test_one_row_per_customer_through_ibis_and_pandas(tmp_path):
    write_raw(tmp_path)
    catalog = project_catalog(tmp_path)
    pipeline = data_processing.create_pipeline() + feature_engineering.create_pipeline()
    # three customers: only features that differ between them can be model features
    varying = ["recency", "frequency", "monetary"]
    run_pipeline(
        pipeline, catalog, TWO_SEGMENTS | {"feature_engineering": {"model": {"features": varying}}}
    )

    features = catalog.load("customer_features")
    assert features["customer_id"].tolist() == ["12682", "13078", "13085"]
    assert features.set_index("customer_id").loc["13085", "frequency"] == 2
    assert features["rfm_segment"].notna().all()
    model_input = catalog.load("model_input")
    assert list(model_input.columns) == [
        "customer_id",
        *varying,
    ]
    assert catalog.load("feature_transforms")["model_features"] == list(model_input.columns[1:])
    metrics = pd.read_parquet(tmp_path / "data/03_primary/customer_metrics.parquet")
    assert len(metrics) == len(features)
