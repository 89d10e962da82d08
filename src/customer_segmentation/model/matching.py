"""Carry segments over a re-fit: match this fit's clusters to the last fit's segments.

K-means numbers its clusters arbitrarily on every fit (scikit-learn issue 20216), so a
re-fit would rename segments that did not change. Clusters are matched to the previous
segments one to one, minimising the total distance between centroids on a common scale
(the Hungarian method, ``scipy.optimize.linear_sum_assignment``). A pair further apart than
``max_distance`` is no match: that cluster is a new segment, and a previous segment left
without a cluster has disappeared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment
from scipy.spatial.distance import cdist


def match_segments(
    previous: pd.DataFrame, current: pd.DataFrame, scale: pd.Series, max_distance: float
) -> dict[int, str]:
    """Current cluster -> the previous segment it continues, for matched clusters only.

    ``previous`` is indexed by segment name, ``current`` by cluster id; both hold centroid
    coordinates in the features of ``scale`` (a spread per feature, e.g. the standard
    deviation of the customers), which puts them on one scale: distances are in spreads.
    """
    features = [feature for feature in scale.index if feature in previous and feature in current]
    if not features or previous.empty or current.empty:
        return {}
    spread = scale[features].replace(0, 1.0).to_numpy(dtype="float64")
    distances = cdist(
        current[features].to_numpy(dtype="float64") / spread,
        previous[features].to_numpy(dtype="float64") / spread,
    )
    rows, columns = linear_sum_assignment(distances)
    return {
        int(current.index[row]): str(previous.index[column])
        for row, column in zip(rows, columns)
        if distances[row, column] <= max_distance
    }


def centroid_shift(
    previous: pd.DataFrame, current: pd.DataFrame, matches: dict[int, str], scale: pd.Series
) -> pd.Series:
    """How far each matched segment's centroid moved, in spreads (by segment name)."""
    features = [feature for feature in scale.index if feature in previous and feature in current]
    spread = scale[features].replace(0, 1.0)
    return pd.Series(
        {
            name: float(
                np.linalg.norm(
                    (current.loc[cluster, features] - previous.loc[name, features]) / spread
                )
            )
            for cluster, name in matches.items()
        },
        name="centroid_shift",
        dtype="float64",
    )
