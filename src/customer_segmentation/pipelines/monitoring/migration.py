"""Who moved between two runs: segment then -> segment now, and who came and went."""

from __future__ import annotations

import pandas as pd

from customer_segmentation.model import ID_COLUMN

#: The rows and columns of customers present in only one of the two runs.
NEW, LOST = "(new customer)", "(no longer a customer)"


def migration_matrix(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Customers per (segment then, segment now), new and lost customers included.

    Long form, one row per pair with customers: ``segment_before``, ``segment_now``,
    ``customers`` and ``share_of_before`` (of the customers of ``segment_before``, new
    customers as their own row).
    """
    both = previous[[ID_COLUMN, "segment"]].merge(
        current[[ID_COLUMN, "segment"]],
        on=ID_COLUMN,
        how="outer",
        suffixes=("_before", "_now"),
    )
    both["segment_before"] = both["segment_before"].fillna(NEW)
    both["segment_now"] = both["segment_now"].fillna(LOST)
    counts = (
        both.groupby(["segment_before", "segment_now"], sort=True)
        .size()
        .rename("customers")
        .reset_index()
    )
    totals = counts.groupby("segment_before")["customers"].transform("sum")
    counts["share_of_before"] = counts["customers"] / totals
    return counts


def segment_changes(previous: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers and share then and now, the change, who joined and who left."""
    before = previous["segment"].value_counts().rename("customers_before")
    now = current["segment"].value_counts().rename("customers_now")
    table = pd.concat([before, now], axis=1).fillna(0).astype("int64")
    table["share_before"] = table["customers_before"] / max(len(previous), 1)
    table["share_now"] = table["customers_now"] / max(len(current), 1)
    table["share_change"] = table["share_now"] - table["share_before"]
    moves = migration_matrix(previous, current)
    stayed = moves[moves["segment_before"] == moves["segment_now"]].set_index("segment_now")
    table["stayed"] = stayed["customers"].reindex(table.index).fillna(0).astype("int64")
    table["joined"] = table["customers_now"] - table["stayed"]
    table["left"] = table["customers_before"] - table["stayed"]
    return table.rename_axis("segment").reset_index().sort_values("segment", ignore_index=True)
