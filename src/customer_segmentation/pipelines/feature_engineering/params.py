"""The ``feature_engineering`` parameter group (conf/base/parameters_feature_engineering.yml).

The nodes take the parts separately (``params:feature_engineering.rfm`` and ``.model`` as
models, ``.snapshot_date`` as a plain value), so the group is typed at that granularity: no
node may take ``params:feature_engineering`` as a whole model. ``snapshot_date`` stays a
plain value because data_processing reads it too (see :mod:`customer_segmentation.snapshot`).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from customer_segmentation.customer_metrics import CUSTOMER_FEATURES
from customer_segmentation.errors import config_file
from customer_segmentation.parameters import Parameters, check_listed_once, invalid
from customer_segmentation.snapshot import SnapshotDate

PARAMS_FILE = "parameters_feature_engineering.yml"

#: A score range ``[low, high]`` of a segment rule.
ScoreRange = tuple[int, int]


class SegmentRule(Parameters):
    """A named RFM segment: the recency scores ``r`` and FM scores ``fm`` it covers."""

    name: str = Field(min_length=1)
    r: ScoreRange
    fm: ScoreRange

    @model_validator(mode="after")
    def _ordered_ranges(self) -> SegmentRule:
        for key in ("r", "fm"):
            low, high = getattr(self, key)
            if not 1 <= low <= high:
                raise invalid(
                    f"range [{low}, {high}] of segment '{self.name}' must satisfy 1 <= low <= high",
                    f"edit it under feature_engineering.rfm.segments in {config_file(PARAMS_FILE)}",
                    key=key,
                )
        return self


class RfmParams(Parameters):
    """RFM scoring: ``n_bins`` quantile scores per letter, and the named segment rules."""

    #: scores are written side by side as digits in ``rfm_score`` ("555"): 2 to 9
    n_bins: int = Field(ge=2, le=9)
    segments: tuple[SegmentRule, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _cells_covered_once(self) -> RfmParams:
        # every customer gets a (R, FM) cell: each cell needs exactly one name
        for recency_score in range(1, self.n_bins + 1):
            for fm_score in range(1, self.n_bins + 1):
                matches = [
                    rule.name
                    for rule in self.segments
                    if rule.r[0] <= recency_score <= rule.r[1]
                    and rule.fm[0] <= fm_score <= rule.fm[1]
                ]
                if len(matches) != 1:
                    raise invalid(
                        f"score cell R={recency_score}, FM={fm_score} matches {len(matches)} "
                        f"segments {matches}; every cell must match exactly one",
                        f"edit the r/fm ranges under feature_engineering.rfm.segments in "
                        f"{config_file(PARAMS_FILE)}",
                        key="segments",
                    )
        # a range past n_bins covers no customer: a rule written for other settings
        for rule in self.segments:
            if max(rule.r[1], rule.fm[1]) > self.n_bins:
                raise invalid(
                    f"segment '{rule.name}' has a score above n_bins ({self.n_bins}): "
                    f"r={list(rule.r)}, fm={list(rule.fm)}",
                    f"edit the r/fm ranges under feature_engineering.rfm.segments in "
                    f"{config_file(PARAMS_FILE)}",
                    key="segments",
                )
        return self


class ModelParams(Parameters):
    """Which customer features the clustering model sees, and how they are transformed."""

    features: tuple[str, ...] = Field(min_length=1)
    #: features given a signed log1p after capping (others in this list are ignored)
    log1p_features: tuple[str, ...]
    #: values outside these quantiles are clipped to them
    cap_quantiles: tuple[float, float]

    @field_validator("features", "log1p_features")
    @classmethod
    def _known_features(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in names if name not in CUSTOMER_FEATURES]
        if unknown:
            raise invalid(
                f"feature(s) {unknown} are not in the customer table; available: "
                f"{list(CUSTOMER_FEATURES)}",
                "edit feature_engineering.model.features / log1p_features in "
                f"{config_file(PARAMS_FILE)}",
            )
        check_listed_once(
            names,
            "feature(s) {repeated} are listed more than once",
            f"list each feature once in {config_file(PARAMS_FILE)}",
        )
        return names

    @model_validator(mode="after")
    def _ordered_quantiles(self) -> ModelParams:
        lower_q, upper_q = self.cap_quantiles
        if not 0 <= lower_q < upper_q <= 1:
            raise invalid(
                f"cap quantiles {list(self.cap_quantiles)} must satisfy 0 <= lower < upper <= 1",
                f"edit feature_engineering.model.cap_quantiles in {config_file(PARAMS_FILE)}",
                key="cap_quantiles",
            )
        return self


class FeatureEngineeringParams(Parameters):
    """The whole ``feature_engineering:`` group."""

    #: the day features are measured at; null = the day after the last invoice
    snapshot_date: SnapshotDate
    rfm: RfmParams
    model: ModelParams
