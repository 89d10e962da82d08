"""Nodes of ``clustering``: the final model on every customer, named and checked segments.

Cluster ids are relabelled in a stable order (by descending centroid of ``relabel_by``,
then size), so the same data and seeds always give the same files.

The model is ``scaler -> cluster`` for numeric-only ``model_input`` (transaction path) and
``preprocess -> cluster`` when ``feature_transforms`` declares categorical features and
imputation (customer table); the clusterer is the algorithm model_selection chose (K-means
unless an experiment says otherwise); see :mod:`customer_segmentation.model`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from customer_segmentation.errors import InputValidationError
from customer_segmentation.model import (
    ALGORITHMS,
    KMEANS_ONLY,
    SCALER_NAMES,
    ClustererParams,
    FeatureSpec,
    RenumberedClusters,
    build_model,
    cap_quantiles_to_rows,
    clusterer_of,
    imputed_numeric,
    invert_feature_transforms,
    make_clusterer,
    make_scaler,
    model_declaration,
    model_input_spec,
    n_clusters,
    reseeded,
    split_centres,
)
from customer_segmentation.model.parallel import map_in_threads
from customer_segmentation.model.reference import reference_profile
from customer_segmentation.model.segmentation_model import SegmentationModel
from customer_segmentation.pipelines.clustering.params import (
    ClusteringParams,
)

logger = logging.getLogger(__name__)

PARAMETER_GROUP = "clustering"


def _model_frame(
    model_input: pd.DataFrame, model: Pipeline
) -> tuple[pd.DataFrame, FeatureSpec, list[str]]:
    """``model_input`` validated against the fitted model's own numeric/categorical split."""
    frame, spec = model_input_spec(model_input, model_declaration(model))
    return frame, spec, list(spec.features)


def fit_segmentation_model(
    model_input: pd.DataFrame,
    best_params: dict[str, Any],
    params: ClusteringParams,
    feature_transforms: dict[str, Any] | None = None,
) -> Pipeline:
    """Fit the segmentation model (``best_params`` scaler, algorithm and K) on every customer.

    Numeric-only input: ``scaler -> cluster``. Mixed input (``feature_transforms`` declares
    categorical features and imputation): ``preprocess -> cluster``, the scaler applied to the
    imputed numeric features and the categorical ones imputed and one-hot encoded. The fitted
    clusters are renumbered 0..K-1 by descending centroid of ``relabel_by`` (a numeric
    feature, original units; ``"size"`` for cluster size), then size, so ids are meaningful
    and stable. The model takes the ``model_input`` feature columns (by name).
    """
    frame, spec = model_input_spec(model_input, feature_transforms)
    features = list(spec.features)
    scaler_name, k, algorithm = _check_best_params(best_params, features, len(frame))
    relabel_by = params.relabel_by
    if relabel_by != "size" and relabel_by not in spec.numeric:
        raise InputValidationError(
            f"is {relabel_by!r}, not a numeric model feature",
            f"use 'size' or one of {', '.join(spec.numeric)}",
            parameter=f"{PARAMETER_GROUP}.relabel_by",
        )
    scaler = _scaler_for(scaler_name, params.kmeans.random_state, len(frame))
    clusterer = RenumberedClusters(make_clusterer(algorithm, k, params.kmeans))
    model = build_model(spec, scaler, clusterer)
    with threadpool_limits(limits=params.n_threads):
        model.fit(frame[features])
    sizes = np.bincount(model.predict(frame[features]), minlength=k)
    return relabel_clusters(model, relabel_by, list(spec.numeric), sizes)


def _scaler_for(name: str, random_state: int, n_rows: int) -> Any:
    """A fresh scaler; ``quantile_normal`` uses at most ``n_rows`` quantiles."""
    scaler = make_scaler(name, random_state, parameter="best_params.scaler")
    return cap_quantiles_to_rows(scaler, n_rows)


def _check_best_params(
    best_params: dict[str, Any], features: list[str], n_customers: int
) -> tuple[str, int, ClustererParams]:
    """The scaler name, K and algorithm of ``best_params``, checked against the data.

    A ``best_params`` without ``algorithm`` (written before experiments) means K-means.
    """
    scaler = best_params.get("scaler") if isinstance(best_params, Mapping) else None
    if scaler not in SCALER_NAMES:
        raise InputValidationError(
            f"has scaler {scaler!r}", "re-run model_selection", dataset="best_params"
        )
    k = best_params.get("k")
    if isinstance(k, bool) or not isinstance(k, int) or not 2 <= k <= n_customers:
        raise InputValidationError(
            f"has k={k!r}, must be an integer between 2 and the {n_customers} customers",
            "re-run model_selection on this model_input",
            dataset="best_params",
        )
    expected = best_params.get("features")
    if expected is not None and list(expected) != features:
        raise InputValidationError(
            f"was chosen on features {list(expected)}, model_input has {features}",
            "re-run model_selection on this model_input",
            dataset="best_params",
        )
    algorithm = best_params.get("algorithm") or KMEANS_ONLY.model_dump()
    if not isinstance(algorithm, Mapping) or algorithm.get("name") not in ALGORITHMS:
        raise InputValidationError(
            f"has algorithm {algorithm!r}, not one of {', '.join(ALGORITHMS)}",
            "re-run model_selection",
            dataset="best_params",
        )
    return scaler, k, ClustererParams.model_validate(algorithm)


def relabel_clusters(
    model: Pipeline, relabel_by: str, features: list[str], sizes: np.ndarray
) -> Pipeline:
    """Renumber the fitted clusters: descending ``relabel_by`` centroid, then size.

    ``features`` are the numeric model features in model order (``relabel_by`` is one of
    them, or ``"size"``); ``sizes`` the customers per cluster. The model's clustering step
    (a :class:`RenumberedClusters`) is renumbered in place and the model returned. Remaining
    ties are broken by the centroid coordinates (numeric ones, then category shares).
    """
    numeric, shares = split_centres(model)
    centres = np.hstack([numeric, shares.to_numpy(dtype="float64").reshape(len(numeric), -1)])
    keys = [centres[:, position] for position in reversed(range(centres.shape[1]))]
    keys.append(-sizes)
    if relabel_by != "size":
        keys.append(-centres[:, features.index(relabel_by)])
    clusterer_of(model).renumber(np.lexsort(keys))
    return model


def compute_centroids(
    model: Pipeline, model_input: pd.DataFrame, feature_transforms: dict[str, Any]
) -> pd.DataFrame:
    """Centroids per cluster in original units and standardized (tidy, one row per unit).

    Numeric features: ``original`` is the centre mapped back through the scaler, then
    through :func:`invert_feature_transforms` (log1p undone); ``standardized`` is the z-score
    of the centre (model-input units) against the mean and std of all customers (after the
    model's imputation). Categorical features (mixed input) get one column per category,
    ``<feature>=<category>``: the share of the segment's customers in that category in the
    ``original`` rows, empty in the ``standardized`` rows (naming uses numeric features only).
    """
    frame, spec, features = _model_frame(model_input, model)
    _check_transforms(feature_transforms, features)
    numeric = list(spec.numeric)
    values, shares = split_centres(model)
    centres = pd.DataFrame(values, columns=numeric)
    population = imputed_numeric(model, frame, numeric)
    standardized = (centres - population.mean()) / population.std(ddof=0)
    original = invert_feature_transforms(centres, feature_transforms)
    if not shares.empty:
        original = pd.concat([original, shares], axis=1)
        standardized = standardized.reindex(columns=[*numeric, *shares.columns])
    clusters = np.arange(len(centres))
    return pd.concat(
        [
            original.assign(cluster=clusters, units="original"),
            standardized.assign(cluster=clusters, units="standardized"),
        ],
        ignore_index=True,
    )[["cluster", "units", *numeric, *shares.columns]]


def _check_transforms(feature_transforms: Any, features: list[str]) -> None:
    """``feature_transforms`` must describe the model features."""
    if not isinstance(feature_transforms, Mapping) or not isinstance(
        feature_transforms.get("log1p_features"), list
    ):
        raise InputValidationError(
            "has no 'log1p_features' list",
            "re-run feature_engineering",
            dataset="feature_transforms",
        )
    declared = feature_transforms.get("model_features")
    if declared is not None and list(declared) != features:
        raise InputValidationError(
            f"lists model_features {list(declared)}, model_input has {features}",
            "re-run feature_engineering so both come from the same run",
            dataset="feature_transforms",
        )


def package_segmentation_model(
    clustering_model: Pipeline,
    feature_transforms: dict[str, Any],
    segment_names: pd.DataFrame,
    customer_features: pd.DataFrame,
    params: ClusteringParams,
) -> SegmentationModel:
    """The model to save: transforms, fitted estimator, segments and training reference.

    Everything needed to assign a customer later (``scoring``, a notebook) without the
    run's other files. The reference profiles the raw numeric model features of the
    customers it was fitted on.
    """
    _check_transforms(feature_transforms, list(feature_transforms.get("model_features", [])))
    categorical = set(feature_transforms.get("categorical_features", []))
    numeric = [f for f in feature_transforms["model_features"] if f not in categorical]
    reference = params.reference
    return SegmentationModel(
        transforms=dict(feature_transforms),
        estimator=clustering_model,
        segments=segment_names[["cluster", "segment", "goal", "actions"]].reset_index(drop=True),
        reference=reference_profile(
            customer_features,
            numeric,
            reference.bins,
            reference.sample_size,
            reference.random_state,
        ),
    )


def assign_customers(model_input: pd.DataFrame, model: SegmentationModel) -> pd.DataFrame:
    """Cluster, segment name, distance to own centroid and margin for every customer.

    The saved model's own assignment (:meth:`SegmentationModel.assign`), so that scoring
    the same customers later gives the same segments.
    """
    frame, _, _ = _model_frame(model_input, model.estimator)
    return model.assign(frame)


def label_centroids(centroids: pd.DataFrame, segment_names: pd.DataFrame) -> pd.DataFrame:
    """The centroid table with the segment name after the cluster id."""
    named = centroids.merge(segment_names[["cluster", "segment"]], on="cluster", how="left")
    features = [c for c in centroids.columns if c not in ("cluster", "units")]
    return (
        named[["cluster", "segment", "units", *features]]
        .sort_values(["units", "cluster"], kind="stable")
        .reset_index(drop=True)
    )


def assess_stability(
    model_input: pd.DataFrame,
    model: Pipeline,
    segment_names: pd.DataFrame,
    params: ClusteringParams,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Bootstrap stability of the final clusters.

    Each of ``n_bootstrap`` resamples draws ``min(sample_size, N)`` customers with
    replacement and refits the model (same scaler, algorithm and K, a per-resample seed).
    On the distinct resampled customers, its labels are compared with the final model's:
    adjusted Rand index overall, and per final cluster the Jaccard index of the
    best-matching resample cluster. Means over resamples; a cluster whose mean Jaccard is
    below ``threshold`` is ``unstable``.
    """
    frame, _, features = _model_frame(model_input, model)
    stability = params.stability
    values = frame[features]
    final_labels = model.predict(values)
    k = n_clusters(model)
    rng = np.random.default_rng(stability.random_state)
    size = min(stability.sample_size, len(frame))
    # every resample drawn first, in the order one loop drew them: the same for any workers
    seeds = rng.integers(0, 2**31 - 1, size=stability.n_bootstrap)
    resamples = [(int(seed), rng.integers(0, len(frame), size=size)) for seed in seeds]

    def agreement(resample: tuple[int, np.ndarray]) -> tuple[float, np.ndarray]:
        seed, rows = resample
        refit = reseeded(model, seed)
        cap_quantiles_to_rows(refit, size)
        refit.fit(values.iloc[rows])
        distinct = np.unique(rows)
        reference = final_labels[distinct]
        resampled = refit.predict(values.iloc[distinct])
        return adjusted_rand_score(reference, resampled), best_match_jaccard(
            reference, resampled, k
        )

    results = map_in_threads(agreement, resamples, params.workers, params.n_threads)
    aris = [ari for ari, _ in results]
    jaccards = [jaccard for _, jaccard in results]
    jaccard_mean = np.nanmean(np.vstack(jaccards), axis=0)
    table = segment_names[["cluster", "segment"]].copy()
    table["jaccard_mean"] = jaccard_mean[table["cluster"].to_numpy()]
    table["jaccard_std"] = np.nanstd(np.vstack(jaccards), axis=0)[table["cluster"].to_numpy()]
    table["unstable"] = table["jaccard_mean"] < stability.threshold
    summary = {
        "mean_ari": round(float(np.mean(aris)), 6),
        "std_ari": round(float(np.std(aris)), 6),
        "n_bootstrap": stability.n_bootstrap,
        "resample_size": size,
        "threshold": stability.threshold,
        "unstable_segments": table.loc[table["unstable"], "segment"].tolist(),
    }
    logger.info(
        "Stability: mean ARI %.3f, unstable %s", summary["mean_ari"], summary["unstable_segments"]
    )
    return table, summary


def best_match_jaccard(reference: np.ndarray, resampled: np.ndarray, k: int) -> np.ndarray:
    """Per reference cluster 0..k-1, the best Jaccard index with any resampled cluster.

    NaN for a reference cluster absent from ``reference``.
    """
    k_resampled = int(resampled.max()) + 1
    overlap = np.zeros((k, k_resampled))
    np.add.at(overlap, (reference, resampled), 1.0)
    union = overlap.sum(axis=1, keepdims=True) + overlap.sum(axis=0, keepdims=True) - overlap
    with np.errstate(divide="ignore", invalid="ignore"):
        best = (overlap / union).max(axis=1)
    best[overlap.sum(axis=1) == 0] = np.nan
    return best


def build_segment_actions(
    customer_segments: pd.DataFrame, segment_names: pd.DataFrame
) -> pd.DataFrame:
    """Per segment: goal, "; "-joined actions, number and share of customers."""
    counts = customer_segments["cluster"].value_counts()
    actions = segment_names.copy()
    actions["n_customers"] = counts.reindex(actions["cluster"], fill_value=0).to_numpy()
    actions["share"] = actions["n_customers"] / len(customer_segments)
    return actions[["cluster", "segment", "goal", "actions", "n_customers", "share"]]
