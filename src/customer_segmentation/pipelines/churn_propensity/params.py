"""The ``churn_propensity`` parameter group (conf/base/parameters_churn_propensity.yml), typed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from customer_segmentation.customer_metrics import CUSTOMER_FEATURES
from customer_segmentation.errors import config_file
from customer_segmentation.parameters import Parameters, check_listed_once, invalid

PARAMS_FILE = "parameters_churn_propensity.yml"
#: The smallest training sample: fewer customers would let the draw, not the data, decide.
MIN_TRAINING_CUSTOMERS = 1_000


class Classifier(Parameters):
    """scikit-learn's ``HistGradientBoostingClassifier``: the hyper-parameters set here."""

    max_iter: int = Field(ge=1, le=10_000)
    learning_rate: float = Field(gt=0.0, le=1.0)
    max_leaf_nodes: int = Field(ge=2, le=1_000)
    min_samples_leaf: int = Field(ge=1)
    l2_regularization: float = Field(ge=0.0)
    #: hold out 10 % of the customers to stop adding trees when they stop helping
    early_stopping: bool
    random_state: int = Field(ge=0)
    #: CPU threads of the fits and their folds' scoring (null: the library default, all cores)
    n_threads: int | None = Field(ge=1)
    #: CPU threads of scoring every customer (null: the library default, all cores)
    scoring_threads: int | None = Field(ge=1)


class Calibration(Parameters):
    """Probabilities re-mapped by ``CalibratedClassifierCV`` (``none``: the model's own)."""

    method: Literal["none", "sigmoid", "isotonic"]
    #: folds of CalibratedClassifierCV (each fits the model on the others)
    folds: int = Field(ge=2, le=20)
    #: equal-width probability bins of the reliability table
    bins: int = Field(ge=2, le=50)


class ChurnPropensityParams(Parameters):
    """``churn_propensity:``: the time split, the features, the model, its check and the list."""

    #: the label window: churned = no order in the last horizon_days of the data
    horizon_days: int = Field(ge=1, le=3_650)
    #: features of customer_metrics (feature_engineering's definitions) the model reads
    features: tuple[str, ...] = Field(min_length=1)
    #: the column of customer_segments that names the segment
    segment_column: str = Field(min_length=1)
    #: stratified folds of the cross-validated ROC AUC
    n_splits: int = Field(ge=2, le=20)
    workers: int | None = Field(ge=1)  # folds fitted at once; null: one per core
    #: fewer customers (with an order before the cutoff) stop the run
    min_customers: int = Field(ge=10)
    #: customers (with an order before the cutoff) that cross-validate and fit the model, a
    #: stratified random sample when there are more (null: every customer); all are scored
    max_training_customers: int | None = Field(ge=MIN_TRAINING_CUSTOMERS)
    classifier: Classifier
    calibration: Calibration
    #: customers with the highest churn probability listed per segment
    targets_per_segment: int = Field(ge=1)

    @field_validator("features")
    @classmethod
    def _known_features(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in CUSTOMER_FEATURES]
        if unknown:
            raise invalid(
                f"names {unknown}, which customer_metrics does not have",
                f"list some of {list(CUSTOMER_FEATURES)} in {config_file(PARAMS_FILE)}",
            )
        check_listed_once(
            names,
            "lists {repeated} more than once",
            f"list each feature once in {config_file(PARAMS_FILE)}",
        )
        return names
