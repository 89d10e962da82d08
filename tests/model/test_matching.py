"""Matching a re-fit's clusters to the previous segments."""

from __future__ import annotations

import numpy as np
import pandas as pd

from customer_segmentation.model.matching import centroid_shift, match_segments

SCALE = pd.Series({"recency": 100.0, "monetary": 500.0})
PREVIOUS = pd.DataFrame(
    {"recency": [20.0, 300.0, 60.0], "monetary": [3000.0, 200.0, 800.0]},
    index=pd.Index(["Champions", "Lapsed", "Loyal"], name="segment"),
)


def test_renumbered_clusters_keep_their_names():
    # the same segments, nudged and numbered in another order
    current = PREVIOUS.iloc[[2, 0, 1]].reset_index(drop=True) * 1.05
    assert match_segments(PREVIOUS, current, SCALE, max_distance=1.0) == {
        0: "Loyal",
        1: "Champions",
        2: "Lapsed",
    }


def test_a_cluster_far_from_every_segment_is_new_and_a_segment_left_over_is_gone():
    current = pd.DataFrame({"recency": [20.0, 300.0, 150.0], "monetary": [3000.0, 200.0, 9000.0]})
    matches = match_segments(PREVIOUS, current, SCALE, max_distance=1.0)
    assert matches == {0: "Champions", 1: "Lapsed"}  # cluster 2 is new; "Loyal" is gone


def test_more_clusters_than_segments_match_one_to_one():
    current = pd.concat([PREVIOUS.reset_index(drop=True), PREVIOUS.iloc[[0]] * 1.01])
    current.index = range(4)
    matches = match_segments(PREVIOUS, current, SCALE, max_distance=1.0)
    assert sorted(matches.values()) == ["Champions", "Lapsed", "Loyal"]
    assert len(matches) == 3


def test_centroid_shift_is_in_spreads():
    current = PREVIOUS.reset_index(drop=True).copy()
    current.loc[0, "recency"] += 50  # half a spread
    shift = centroid_shift(PREVIOUS, current, {0: "Champions", 1: "Lapsed"}, SCALE)
    assert np.isclose(shift["Champions"], 0.5) and shift["Lapsed"] == 0
