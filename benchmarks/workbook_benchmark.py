"""Wall time of the workbook (``segment_workbook``) for N customers, against the plain dump.

Generates N customers shaped like ``customer_features`` (the nine features, RFM scores and
segment) and their ``customer_segments``, then times:

- ``before``: the workbook as it was, a plain ``pandas.ExcelDataset`` (openpyxl) of the
  customer sheet with the five assignment columns only;
- ``plain, same columns``: the new customer sheet (20 columns) through ``pandas.ExcelDataset``,
  unformatted: what the wider sheet would cost the old way;
- ``formatted workbook``: ``build_excel_workbook`` (the node) and ``FormattedExcelDataset``
  (XlsxWriter, constant memory), every sheet with its formats, as a run writes it.

    .venv/bin/python benchmarks/workbook_benchmark.py            # 200,000 customers
    .venv/bin/python benchmarks/workbook_benchmark.py 500000 --skip-plain
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from kedro_datasets.pandas import ExcelDataset
from measure import base_parameters, emit, peak_rss_mib

from customer_segmentation.datasets import FormattedExcelDataset
from customer_segmentation.excel import Workbook
from customer_segmentation.model.segmentation_model import ASSIGNMENT_COLUMNS
from customer_segmentation.pipelines.reporting.customer_list import build_customer_list
from customer_segmentation.pipelines.reporting.params import ReportingParams
from customer_segmentation.pipelines.reporting.workbook import build_excel_workbook

SEGMENTS = ["Champions", "Loyal Regulars", "Lapsed / At Risk", "Occasional Buyers"]
RFM = ["Champions", "Loyal Customers", "At Risk", "Hibernating", "Lost", "Promising"]


def customers(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``customer_features`` and ``customer_segments`` of ``n`` generated customers."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:07d}" for i in range(n)]
    frequency = rng.integers(1, 40, n)
    monetary = np.round(rng.lognormal(6.5, 1.0, n), 2)
    scores = rng.integers(1, 6, (n, 3))
    features = pd.DataFrame(
        {
            "customer_id": ids,
            "recency": rng.integers(0, 700, n),
            "frequency": frequency,
            "monetary": monetary,
            "avg_order_value": monetary / frequency,
            "tenure": rng.integers(0, 740, n),
            "mean_days_between_purchases": rng.uniform(1, 300, n),
            "return_rate": rng.uniform(0, 0.3, n),
            "distinct_products": rng.integers(1, 200, n),
            "units_per_order": rng.uniform(1, 400, n),
            "r_score": scores[:, 0],
            "f_score": scores[:, 1],
            "m_score": scores[:, 2],
            "rfm_score": [f"{r}{f}{m}" for r, f, m in scores],
            "rfm_segment": np.asarray(RFM)[rng.integers(0, len(RFM), n)],
        }
    )
    cluster = rng.integers(0, len(SEGMENTS), n)
    distance = rng.uniform(0.2, 3.0, n)
    segments = pd.DataFrame(
        dict(
            zip(
                ASSIGNMENT_COLUMNS,
                (ids, cluster, np.asarray(SEGMENTS)[cluster], distance, rng.uniform(0, 2, n)),
                strict=True,
            )
        )
    )
    return features, segments


def other_inputs(segments: pd.DataFrame) -> dict[str, Any]:
    """The small tables of the workbook, consistent with ``segments``."""
    sizes = segments["cluster"].value_counts().sort_index()
    profiles = pd.DataFrame(
        {
            "cluster": sizes.index,
            "segment": SEGMENTS,
            "customers": sizes.to_numpy(),
            "customer_share": sizes.to_numpy() / sizes.sum(),
        }
    )
    actions = profiles[["cluster", "segment"]].assign(
        goal="A goal", actions="First action; Second action", n_customers=sizes.to_numpy()
    )
    candidates = pd.DataFrame(
        {"scaler": "standard", "k": range(2, 11), "silhouette": 0.4, "best_at_k": True}
    ).assign(verdict="scored")
    tests = pd.DataFrame({"feature": ["recency"], "anova_p": [0.0], "eta_squared": [0.5]})
    quality = {"dataset": "raw", "raw_lines": 10, "clean_lines": 9, "rejected_lines": 1}
    return {
        "segment_profiles": profiles,
        "segment_actions": actions,
        "selection_candidates": candidates,
        "feature_tests": tests,
        "data_quality_summary": quality,
    }


def timed(label: str, func: Callable[[], Path], cells: int) -> None:
    """Run ``func`` (it writes a file and returns its path) and print one table row."""
    start = time.perf_counter()
    path = func()
    elapsed = time.perf_counter() - start
    size = path.stat().st_size / 2**20
    emit(
        f"| {label} | {cells:,} | {elapsed:.1f} | {elapsed / cells * 1e6:.1f} | {size:.1f} |"
        f" {peak_rss_mib():,.0f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n_customers", nargs="?", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-plain", action="store_true", help="time the new workbook only")
    args = parser.parse_args()

    params = ReportingParams.model_validate(base_parameters("reporting"))
    features, segments = customers(args.n_customers, args.seed)
    inputs = other_inputs(segments)
    emit(f"{args.n_customers:,} customers")
    emit("| written | customer-sheet cells | s | us per cell | MiB | peak RSS MiB |")
    emit("| --- | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)

        def workbook() -> Workbook:
            """The two nodes: the customer list (a join), then the workbook's sheets."""
            listed = build_customer_list(segments, features, inputs["segment_actions"])
            return build_excel_workbook(**inputs, customer_list=listed, params=params)

        def formatted() -> Path:
            FormattedExcelDataset(filepath=str(root / "formatted.xlsx")).save(workbook())
            return root / "formatted.xlsx"

        sheet = workbook()
        wide = sheet["customer_segments"].table
        if not args.skip_plain:

            def before() -> Path:
                table = segments[list(ASSIGNMENT_COLUMNS)].sort_values(["cluster", "customer_id"])
                ExcelDataset(filepath=str(root / "before.xlsx")).save({"customer_segments": table})
                return root / "before.xlsx"

            def plain_wide() -> Path:
                ExcelDataset(filepath=str(root / "plain.xlsx")).save({"customer_segments": wide})
                return root / "plain.xlsx"

            timed("before: plain dump, 5 columns (openpyxl)", before, len(segments) * 5)
            timed("plain, same columns (openpyxl)", plain_wide, wide.size)
        timed("formatted workbook (XlsxWriter)", formatted, wide.size)


if __name__ == "__main__":
    main()
