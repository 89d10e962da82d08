"""The customer list: one row per customer, for a CRM team and for each segment card's CSV.

``customer_list`` (a versioned CSV with a copy in ``08_reporting/latest/``) holds each
customer's segment, the segment's headline action, the assignment (cluster, distance to the
centre, margin to the next), the RFM segment and every column of ``customer_features``. The
workbook's ``customer_segments`` sheet shows the same table; the report embeds each segment's
rows as a CSV link on its card, so the link works from the versioned folder, from ``latest/``
and from a mailed copy alike.
"""

from __future__ import annotations

import base64
import re

import pandas as pd

from customer_segmentation.model.segmentation_model import ASSIGNMENT_COLUMNS

from .params import ReportingParams
from .segments import require_columns

#: Separator of the actions in segment_actions (clustering joins each segment's list with it).
ACTIONS_SEPARATOR = "; "
ACTION_COLUMNS = ["cluster", "segment", "goal", "actions"]
#: Where a segment's rows are when the report is too large to carry them.
LIST_FILE = "08_reporting/latest/customer_list.csv"


def headline_actions(segment_actions: pd.DataFrame) -> pd.Series:
    """Each segment's first action, by cluster."""
    first = segment_actions["actions"].astype(str).str.split(ACTIONS_SEPARATOR).str[0]
    return pd.Series(first.to_numpy(), index=segment_actions["cluster"].to_numpy())


def build_customer_list(
    customer_segments: pd.DataFrame,
    customer_features: pd.DataFrame,
    segment_actions: pd.DataFrame,
) -> pd.DataFrame:
    """One row per customer by segment: assignment, headline action, RFM segment, features."""
    require_columns(customer_segments, list(ASSIGNMENT_COLUMNS), "customer_segments")
    require_columns(customer_features, ["customer_id"], "customer_features")
    require_columns(segment_actions, ACTION_COLUMNS, "segment_actions")
    assignment = customer_segments[list(ASSIGNMENT_COLUMNS)].sort_values(
        ["cluster", "customer_id"], kind="stable"
    )
    features = customer_features.drop_duplicates("customer_id")
    first = ["rfm_segment"] if "rfm_segment" in features else []
    rest = [c for c in features.columns if c not in (*ASSIGNMENT_COLUMNS, *first)]
    # by id as text: the two datasets may type the ids differently (e.g. int and str)
    joined = features[[*first, *rest]].set_index(features["customer_id"].astype(str))
    joined = joined.reindex(assignment["customer_id"].astype(str).to_numpy())
    headline = headline_actions(segment_actions)
    action = pd.DataFrame({"action": assignment["cluster"].map(headline).to_numpy()})
    return pd.concat(
        [
            assignment[["customer_id", "segment"]].reset_index(drop=True),
            action,
            assignment[["cluster", "distance_to_centroid", "margin"]].reset_index(drop=True),
            joined.reset_index(drop=True),
        ],
        axis=1,
    )


def file_name(cluster: int, segment: str) -> str:
    """A segment's CSV name, e.g. ``segment-1-loyal-regulars.csv``."""
    slug = re.sub(r"\W+", "-", segment.lower()).strip("-")
    return f"segment-{cluster}-{slug}.csv" if slug else f"segment-{cluster}.csv"


def segment_downloads(
    customer_list: pd.DataFrame, params: ReportingParams
) -> dict[int, dict[str, str]]:
    """Per cluster: the file name and a ``data:`` URI of its customers as CSV (UTF-8).

    Empty above ``max_embedded_customers`` customers in all: the report would grow by about
    200 bytes a customer, so the cards point to the customer_list file instead.
    """
    require_columns(customer_list, ["customer_id", "segment", "cluster"], "customer_list")
    if len(customer_list) > params.max_embedded_customers:
        return {}
    downloads = {}
    for cluster, rows in customer_list.groupby("cluster", sort=True):
        text = rows.to_csv(index=False, lineterminator="\n")
        encoded = base64.b64encode(text.encode("utf-8")).decode("ascii")
        downloads[int(cluster)] = {
            "file": file_name(int(cluster), str(rows["segment"].iloc[0])),
            "href": f"data:text/csv;charset=utf-8;base64,{encoded}",
        }
    return downloads
