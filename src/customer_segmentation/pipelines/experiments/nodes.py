"""Nodes of ``experiments``: each experiment's features and results, and their comparison.

An experiment is a namespaced copy of the search (``model_selection``) and the final fit
(``clustering``) with its own features and settings; these nodes cut its model input down
to its features, summarise what it found, and compare the experiments side by side.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score
from sklearn.pipeline import Pipeline

from customer_segmentation.model import ID_COLUMN
from customer_segmentation.model.transforms import select_model_features
from customer_segmentation.parameters import as_mapping

from .params import ExperimentsParams, ExperimentSpec

#: Scores of the chosen candidate that the comparison shows (from ``best_params``).
SCORES = (
    "silhouette",
    "silhouette_std",
    "stability",
    "min_cluster_share",
    "calinski_harabasz",
    "davies_bouldin",
)
#: Columns of ``experiment_comparison``, in order.
COMPARISON_COLUMNS = (
    "experiment",
    "chosen",
    "description",
    "algorithm",
    "n_features",
    "features",
    "scaler",
    "k",
    *SCORES,
    "agreement_with_chosen",
    "same_features_as_chosen",
    "search_seconds",
)


def select_experiment_features(
    model_input: pd.DataFrame, feature_transforms: dict[str, Any], experiment: Any
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The model input and transforms of one experiment: its features (all by default)."""
    spec = ExperimentSpec.model_validate(as_mapping(experiment))
    features = list(spec.features or feature_transforms["model_features"])
    return select_model_features(model_input, feature_transforms, features)


def summarise_experiment(
    best_params: dict[str, Any],
    optuna_trials: pd.DataFrame,
    clustering_model: Pipeline,
    model_input: pd.DataFrame,
) -> tuple[dict[str, float], pd.DataFrame]:
    """The experiment's scores as numbers (for tracking), and every customer's cluster.

    ``search_seconds`` is the time its study's trials took (stored trials that were
    reused count the time they took when they ran).
    """
    metrics = {"k": float(best_params["k"])}
    for name in SCORES:
        value = best_params.get(name)
        metrics[name] = float("nan") if value is None else float(value)
    metrics["n_features"] = float(len(best_params["features"]))
    metrics["search_seconds"] = round(float(optuna_trials["duration_s"].fillna(0).sum()), 3)
    clusters = clustering_model.predict(model_input[list(best_params["features"])])
    labels = pd.DataFrame(
        {ID_COLUMN: model_input[ID_COLUMN].to_numpy(), "cluster": np.asarray(clusters, "int64")}
    )
    return metrics, labels


def compare_experiments(
    experiments: ExperimentsParams, *results: Any
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per experiment, and how far their segments agree (adjusted Rand index).

    ``results`` are, per experiment in ``experiments.run`` order, its ``best_params``,
    ``experiment_metrics`` and ``experiment_labels``. The agreement matrix compares the
    segments of every pair of experiments on the same customers (1 = the same partition,
    0 = no more alike than chance), whatever their cluster numbers.
    """
    names = list(experiments.run)
    per_experiment = dict(zip(names, _triples(results), strict=True))
    labels = {name: _labels_of(triple[2], name) for name, triple in per_experiment.items()}
    agreement = pd.DataFrame(
        [[_agreement(labels[a], labels[b]) for b in names] for a in names],
        index=pd.Index(names, name="experiment"),
        columns=names,
    )
    chosen = experiments.chosen
    chosen_features = per_experiment[chosen][0]["features"]
    rows = []
    for name, (best_params, metrics, _) in per_experiment.items():
        spec = experiments.run[name]
        rows.append(
            {
                "experiment": name,
                "chosen": name == chosen,
                "description": spec.description,
                "algorithm": (best_params.get("algorithm") or {}).get("name", "kmeans"),
                "n_features": len(best_params["features"]),
                "features": ", ".join(best_params["features"]),
                "scaler": best_params["scaler"],
                "k": int(best_params["k"]),
                **{score: metrics[score] for score in SCORES},
                "agreement_with_chosen": round(float(agreement.at[name, chosen]), 6),
                "same_features_as_chosen": list(best_params["features"]) == list(chosen_features),
                "search_seconds": metrics["search_seconds"],
            }
        )
    return pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS)), agreement.round(6).reset_index()


def _triples(results: tuple[Any, ...]) -> list[tuple[Any, Any, Any]]:
    """``results`` in threes (best_params, metrics, labels)."""
    if len(results) % 3:
        raise ValueError(f"expected three results per experiment, got {len(results)}")
    return [tuple(results[i : i + 3]) for i in range(0, len(results), 3)]


def _labels_of(labels: pd.DataFrame, name: str) -> pd.Series:
    return labels.set_index(ID_COLUMN)["cluster"].rename(name)


def _agreement(a: pd.Series, b: pd.Series) -> float:
    """Adjusted Rand index of two labellings, on the customers both have."""
    both = pd.concat([a, b], axis=1, join="inner")
    return float(adjusted_rand_score(both.iloc[:, 0], both.iloc[:, 1]))
