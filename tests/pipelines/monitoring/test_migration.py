"""Migration between two runs on small frames."""

from __future__ import annotations

import pandas as pd

from customer_segmentation.pipelines.monitoring.migration import (
    LOST,
    NEW,
    migration_matrix,
    segment_changes,
)

BEFORE = pd.DataFrame(
    {
        "customer_id": ["a", "b", "c", "d", "e"],
        "segment": ["Loyal", "Loyal", "Loyal", "Lapsed", "New"],
    }
)
NOW = pd.DataFrame(
    {
        "customer_id": ["a", "b", "d", "e", "f"],
        "segment": ["Loyal", "Lapsed", "Lapsed", "Loyal", "New"],
    }
)


def test_every_customer_is_counted_once_with_where_they_went():
    moves = migration_matrix(BEFORE, NOW)
    pairs = {(r.segment_before, r.segment_now): r.customers for r in moves.itertuples()}
    assert pairs == {
        ("Loyal", "Loyal"): 1,
        ("Loyal", "Lapsed"): 1,
        ("Loyal", LOST): 1,
        ("Lapsed", "Lapsed"): 1,
        ("New", "Loyal"): 1,
        (NEW, "New"): 1,
    }
    loyal = moves[moves["segment_before"] == "Loyal"]
    assert loyal["share_of_before"].sum() == 1


def test_segment_changes_add_up():
    table = segment_changes(BEFORE, NOW).set_index("segment")
    assert table.loc["Loyal", ["customers_before", "customers_now", "stayed"]].tolist() == [3, 2, 1]
    assert table.loc["Loyal", "joined"] == 1 and table.loc["Loyal", "left"] == 2
    assert table.loc["Lapsed", "joined"] == 1
    assert (
        table["customers_now"] == table["customers_before"] + table["joined"] - table["left"]
    ).all()
    assert abs(table["share_change"].sum()) < 1e-12
