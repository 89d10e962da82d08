"""Segments as the reporting nodes see them, and the checks of the datasets they read.

:func:`segment_index` (one row per segment: name, unique label, colour position) and
:func:`join_segments` (customers joined to their segment) are shared by the tables, figures
and HTML report, as are :func:`require_columns` and :func:`require_keys`. The ``reporting``
parameters are checked by their model (:mod:`.params`) before any node runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from customer_segmentation.errors import InputValidationError

SEGMENT_KEYS = ["cluster", "segment"]


def require_columns(frame: pd.DataFrame, columns: Iterable[str], dataset: str) -> None:
    """Raise :class:`InputValidationError` naming the dataset and columns that are missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; found {list(frame.columns)}",
            f"re-run the pipeline that produces '{dataset}' so it has these columns",
            dataset=dataset,
            column=", ".join(missing),
        )


def require_keys(data: Mapping[str, Any], keys: Iterable[str], dataset: str) -> None:
    """Raise :class:`InputValidationError` when a dict input lacks required keys."""
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputValidationError(
            f"missing key(s) {missing}",
            f"re-run the pipeline that produces '{dataset}' so it has these keys",
            dataset=dataset,
        )


def segment_index(
    customer_segments: pd.DataFrame, dataset: str = "customer_segments"
) -> pd.DataFrame:
    """One row per segment in cluster order: ``cluster``, ``segment``, ``label``, ``position``.

    ``label`` is the segment name, made unique with the cluster number when two clusters share
    a name; ``position`` indexes the palette so a segment has the same colour in every plot.
    """
    require_columns(customer_segments, SEGMENT_KEYS, dataset)
    if customer_segments.empty:
        raise InputValidationError(
            "has no rows", "check that clustering assigned customers", dataset=dataset
        )
    pairs = customer_segments[SEGMENT_KEYS].drop_duplicates().sort_values("cluster")
    if pairs["cluster"].duplicated().any():
        clusters = sorted(pairs.loc[pairs["cluster"].duplicated(), "cluster"].tolist())
        raise InputValidationError(
            f"clusters {clusters} carry more than one segment name",
            "give every cluster exactly one segment name",
            dataset=dataset,
            column="segment",
        )
    names = pairs["segment"].astype(str)
    duplicated = names.duplicated(keep=False)
    labels = names.where(~duplicated, names + " (cluster " + pairs["cluster"].astype(str) + ")")
    return pd.DataFrame(
        {
            "cluster": pairs["cluster"].to_numpy(),
            "segment": names.to_numpy(),
            "label": labels.to_numpy(),
            "position": range(len(pairs)),
        }
    )


def join_segments(
    frame: pd.DataFrame, customer_segments: pd.DataFrame, dataset: str
) -> pd.DataFrame:
    """Attach ``cluster`` and ``segment`` to ``frame`` by ``customer_id`` (segmented rows only).

    Every segmented customer must be present in ``frame``; customers without a segment are left
    out (the model may have been trained on a subset).
    """
    require_columns(frame, ["customer_id"], dataset)
    require_columns(customer_segments, ["customer_id", *SEGMENT_KEYS], "customer_segments")
    for name, table in ((dataset, frame), ("customer_segments", customer_segments)):
        if table["customer_id"].duplicated().any():
            raise InputValidationError(
                f"{int(table['customer_id'].duplicated().sum())} duplicated customer_id values",
                "keep one row per customer",
                dataset=name,
                column="customer_id",
            )
    segments = customer_segments[["customer_id", *SEGMENT_KEYS]].astype({"customer_id": str})
    merged = frame.astype({"customer_id": str}).merge(
        segments, on="customer_id", how="inner", validate="one_to_one"
    )
    if len(merged) < len(segments):
        missing = segments.loc[~segments["customer_id"].isin(merged["customer_id"]), "customer_id"]
        raise InputValidationError(
            f"{len(missing)} segmented customers have no row here (e.g. {missing.iloc[0]!r})",
            "run feature engineering and clustering on the same data so the customers match",
            dataset=dataset,
            column="customer_id",
        )
    return merged
