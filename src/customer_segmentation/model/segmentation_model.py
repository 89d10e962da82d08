"""The saved segmentation model: everything needed to put a customer in a segment.

``clustering`` saves it (the versioned ``segmentation_model`` dataset) and assigns its own
customers with it; ``scoring`` loads a saved version and assigns new customers the same way,
without fitting anything. It holds the fitted transforms (caps and logs, in raw units), the
fitted estimator (scaler or preprocessing, then the clusterer), the segment of each cluster (id,
name, goal, actions) and a reference profile of the customers it was fitted on (to flag
customers far outside what it saw, and to measure drift).

In a notebook::

    model = catalog.load("segmentation_model")
    segments = model.predict(catalog.load("customer_features"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics.pairwise import euclidean_distances
from sklearn.pipeline import Pipeline

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model.algorithms import cluster_centres, clusterer_of
from customer_segmentation.model.checks import ID_COLUMN
from customer_segmentation.model.reference import outside_reference
from customer_segmentation.model.transforms import apply_feature_transforms

#: The columns of an assignment, in order (``customer_segments``, ``scored_customers``).
ASSIGNMENT_COLUMNS = (ID_COLUMN, "cluster", "segment", "distance_to_centroid", "margin")


@dataclass(frozen=True)
class SegmentationModel:
    """A fitted segmentation: transforms, estimator, segments and reference, as one object."""

    #: the ``feature_transforms`` the estimator was fitted with (features, caps, logs, and
    #: for a customer table the numeric/categorical declaration)
    transforms: dict[str, Any]
    #: ``scaler -> cluster`` or ``preprocess -> cluster``, fitted on the transformed features
    estimator: Pipeline
    #: one row per cluster: ``cluster``, ``segment``, ``goal``, ``actions``
    segments: pd.DataFrame
    #: per raw model feature, the profile of the training customers (:mod:`.reference`)
    reference: dict[str, dict[str, Any]]

    @property
    def features(self) -> list[str]:
        """The model features, in the order the estimator takes them."""
        return list(self.transforms["model_features"])

    def model_input(self, customer_features: pd.DataFrame) -> pd.DataFrame:
        """The customer table as the estimator takes it: capped, logged, id first.

        Numeric features go through the fitted caps and logs (never refitted on the new
        customers); categorical ones (a customer table's) are kept as text.
        """
        missing = [c for c in [ID_COLUMN, *self.features] if c not in customer_features]
        if missing:
            raise InputValidationError(
                f"has no column(s) {missing}, which the model was fitted on",
                "score a customer table built the way the model's was (the same "
                "feature_engineering or customer_table parameters)",
                dataset="customer_features",
            )
        categorical = set(self.transforms.get("categorical_features", []))
        numeric = [feature for feature in self.features if feature not in categorical]
        transformed = apply_feature_transforms(
            customer_features, {**self.transforms, "model_features": numeric}
        )
        frame = pd.DataFrame({ID_COLUMN: customer_features[ID_COLUMN].to_numpy()})
        for feature in self.features:
            source = customer_features[feature] if feature in categorical else transformed[feature]
            frame[feature] = source.astype(
                "str" if feature in categorical else "float64"
            ).to_numpy()
        return frame

    def assign(self, model_input: pd.DataFrame) -> pd.DataFrame:
        """Cluster, segment, distance to the own centroid and margin for each row.

        The cluster is the estimator's prediction. Distances are Euclidean, to the cluster
        centres in the estimator's scaled space; ``margin`` is the distance to the nearest
        other centre minus the own one: >= 0 for K-means (small = a borderline customer);
        a Gaussian mixture may put a customer in a wider component than the nearest
        centre's, and the margin is then negative.
        """
        scaled = self.estimator[:-1].transform(model_input[self.features])
        clusterer = clusterer_of(self.estimator)
        clusters = np.asarray(clusterer.predict(scaled))
        distances = euclidean_distances(scaled, cluster_centres(clusterer))
        rows = np.arange(len(model_input))
        own = distances[rows, clusters]
        distances[rows, clusters] = np.inf
        names = self.segments.set_index("cluster")["segment"]
        values = (
            model_input[ID_COLUMN].to_numpy(),
            clusters.astype("int64"),
            names.reindex(clusters).to_numpy(),
            own,
            distances.min(axis=1) - own,
        )
        return pd.DataFrame(dict(zip(ASSIGNMENT_COLUMNS, values, strict=True)))

    def predict(self, customer_features: pd.DataFrame, outside_margin: float = 0.5) -> pd.DataFrame:
        """The segment of each customer, and whether they lie far outside the training range.

        ``outside_training_range`` is true for a customer beyond the training customers'
        range on some feature by more than ``outside_margin`` times that range: the model
        never saw the like of them, so their segment is a guess to check.
        """
        assigned = self.assign(self.model_input(customer_features))
        outside = outside_reference(
            self.reference, customer_features.reset_index(drop=True), outside_margin
        )
        return assigned.assign(outside_training_range=outside.to_numpy())
