"""The classifier, its cross-validation and the reliability table (scikit-learn only).

Pure functions of arrays: the nodes (:mod:`.nodes`) check the data and name the datasets.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits

from customer_segmentation.model.parallel import map_in_threads

from .params import ChurnPropensityParams

RELIABILITY_COLUMNS = [
    "bin",
    "lower",
    "upper",
    "customers",
    "mean_predicted",
    "observed_rate",
    "difference",
]


def training_rows(labels: np.ndarray, max_customers: int | None, seed: int) -> np.ndarray:
    """Sorted row indices of the customers that train the model.

    Every row when ``max_customers`` is None or not below the number of rows; otherwise a
    stratified random sample of ``max_customers`` rows (the same churn rate), drawn with
    ``seed``: same labels and seed, same rows.
    """
    rows = np.arange(len(labels))
    if max_customers is None or max_customers >= len(labels):
        return rows
    sample, _ = train_test_split(rows, train_size=max_customers, stratify=labels, random_state=seed)
    # sorted: the rows keep the training table's (customer) order, whatever the draw
    return np.sort(sample)


def build_classifier(params: ChurnPropensityParams) -> Any:
    """The unfitted model: gradient-boosted trees, calibrated when the parameters ask."""
    settings = params.classifier
    model = HistGradientBoostingClassifier(
        max_iter=settings.max_iter,
        learning_rate=settings.learning_rate,
        max_leaf_nodes=settings.max_leaf_nodes,
        min_samples_leaf=settings.min_samples_leaf,
        l2_regularization=settings.l2_regularization,
        early_stopping=settings.early_stopping,
        random_state=settings.random_state,
    )
    if params.calibration.method == "none":
        return model
    return CalibratedClassifierCV(
        model, method=params.calibration.method, cv=params.calibration.folds
    )


def fit(features: np.ndarray, labels: np.ndarray, params: ChurnPropensityParams) -> Any:
    """The model fitted on every row, on ``classifier.n_threads`` CPU threads."""
    with threadpool_limits(limits=params.classifier.n_threads):
        return build_classifier(params).fit(features, labels)


def score(model: Any, features: np.ndarray, params: ChurnPropensityParams) -> np.ndarray:
    """P(churned) of every customer, on ``classifier.scoring_threads`` CPU threads.

    Each row is scored alone: the same probabilities, bit for bit, whatever the threads.
    """
    with threadpool_limits(limits=params.classifier.scoring_threads):
        return model.predict_proba(features)[:, 1].astype("float64")


def cross_validate(
    features: np.ndarray, labels: np.ndarray, params: ChurnPropensityParams
) -> tuple[list[float], np.ndarray]:
    """ROC AUC of each stratified fold, and every row's out-of-fold probability.

    Folds are shuffled with the classifier's seed: same rows, same folds.
    """
    folds = StratifiedKFold(
        n_splits=params.n_splits, shuffle=True, random_state=params.classifier.random_state
    )
    template = build_classifier(params)
    splits = list(folds.split(features, labels))

    def out_of_fold_probabilities(split: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        train, test = split
        model = clone(template).fit(features[train], labels[train])
        return model.predict_proba(features[test])[:, 1].astype("float64")

    # the folds are independent fits: side by side, each on classifier.n_threads threads
    probabilities = map_in_threads(
        out_of_fold_probabilities, splits, params.workers, params.classifier.n_threads
    )
    out_of_fold = np.zeros(len(labels), dtype="float64")
    aucs = []
    for (_, test), fold in zip(splits, probabilities, strict=True):
        out_of_fold[test] = fold
        aucs.append(float(roc_auc_score(labels[test], fold)))
    return aucs, out_of_fold


def brier_score(labels: np.ndarray, probabilities: np.ndarray) -> float:
    """Mean squared gap between probability and outcome (0 is perfect)."""
    return float(brier_score_loss(labels, probabilities))


def reliability_table(labels: np.ndarray, probabilities: np.ndarray, bins: int) -> pd.DataFrame:
    """Per equal-width probability bin: customers, mean predicted, observed churn rate.

    Every bin is listed, an empty one with no means; the last bin includes 1.
    """
    edges = np.round(np.linspace(0.0, 1.0, bins + 1), 12)
    index = np.clip(np.searchsorted(edges, probabilities, side="right") - 1, 0, bins - 1)
    frame = pd.DataFrame({"bin": index, "p": probabilities, "y": labels.astype("float64")})
    grouped = frame.groupby("bin").agg(
        customers=("p", "size"), mean_predicted=("p", "mean"), observed_rate=("y", "mean")
    )
    grouped = grouped.reindex(range(bins))
    table = pd.DataFrame(
        {
            "bin": [f"{edges[i]:.2f}-{edges[i + 1]:.2f}" for i in range(bins)],
            "lower": edges[:-1],
            "upper": edges[1:],
            "customers": grouped["customers"].fillna(0).to_numpy("int64"),
            "mean_predicted": grouped["mean_predicted"].to_numpy("float64"),
            "observed_rate": grouped["observed_rate"].to_numpy("float64"),
        }
    )
    table["difference"] = table["mean_predicted"] - table["observed_rate"]
    return table[RELIABILITY_COLUMNS]
