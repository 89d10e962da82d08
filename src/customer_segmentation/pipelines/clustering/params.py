"""The ``clustering`` parameter group (conf/base/parameters_clustering.yml), typed."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from customer_segmentation.model import KMeansParams
from customer_segmentation.parameters import Parameters, check_listed_once, invalid

#: How a naming condition compares a standardized centroid with the thresholds.
Direction = Literal["high", "low", "mid"]


#: Characters an Excel cell cannot hold (openpyxl refuses them): the workbook would fail
#: after the model is saved.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _printable(value: str, field: str) -> str:
    """``value`` if it has no control character."""
    found = _CONTROL.search(value)
    if found:
        raise invalid(
            f"contains the control character {found.group()!r}, which the workbook cannot hold",
            f"remove it from the {field}",
        )
    return value


def _text(value: str, field: str) -> str:
    """``value`` if it has a non-blank character (a blank name or goal names nothing)."""
    if not value.strip():
        raise invalid(f"has no {field}", f"set {field} to a text")
    return _printable(value, field)


def _actions(actions: tuple[str, ...]) -> tuple[str, ...]:
    """A non-empty list of non-blank texts (every segment gets something to do)."""
    if not actions or not all(action.strip() for action in actions):
        raise invalid("must be a non-empty list of texts", "list at least one action")
    for action in actions:
        _printable(action, "action")
    return actions


class StabilityParams(Parameters):
    """Bootstrap stability: ``n_bootstrap`` refits on ``sample_size`` resampled customers."""

    n_bootstrap: int = Field(ge=2)
    sample_size: int = Field(ge=2)
    random_state: int = Field(ge=0)
    # mean best-match Jaccard below this flags a segment unstable
    threshold: float = Field(gt=0.0, lt=1.0)


class ReferenceParams(Parameters):
    """The profile of the training customers saved with the model (drift, outliers)."""

    #: bins of the population stability index (deciles: 10)
    bins: int = Field(ge=2, le=100)
    #: customers kept per feature for the Kolmogorov-Smirnov test
    sample_size: int = Field(ge=10)
    random_state: int = Field(ge=0)


class AverageParams(Parameters):
    """Name, goal and actions of a cluster whose features are all within ``mid_band``."""

    name: str
    goal: str
    actions: tuple[str, ...]

    @field_validator("name", "goal")
    @classmethod
    def _has_text(cls, value: str, info: ValidationInfo) -> str:
        return _text(value, str(info.field_name))

    @field_validator("actions")
    @classmethod
    def _has_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _actions(value)


class NamingRule(AverageParams):
    """A named segment: all ``when`` conditions must hold on the standardized centroid."""

    when: dict[str, Direction]

    @field_validator("when")
    @classmethod
    def _has_conditions(cls, value: dict[str, Direction]) -> dict[str, Direction]:
        # a rule without conditions would match every cluster
        if not value:
            raise invalid(
                "has no 'when' conditions", "add e.g. when: {recency: low, frequency: high}"
            )
        return value


class FeatureLabels(Parameters):
    """How a fallback name describes one feature: its label when high and when low."""

    high: str
    low: str

    @field_validator("high", "low")
    @classmethod
    def _has_text(cls, value: str, info: ValidationInfo) -> str:
        return _text(value, f"{info.field_name} label")


class FallbackParams(Parameters):
    """Goal and actions of a segment no rule names; ``labels`` build its descriptive name."""

    goal: str
    actions: tuple[str, ...]
    labels: dict[str, FeatureLabels]

    @field_validator("goal")
    @classmethod
    def _has_text(cls, value: str) -> str:
        return _text(value, "goal")

    @field_validator("actions")
    @classmethod
    def _has_actions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return _actions(value)


class NamingParams(Parameters):
    """Segment names from the standardized centroid: thresholds, rules and fallbacks."""

    high_z: float = Field(gt=0.0, lt=10.0)
    low_z: float = Field(gt=-10.0, lt=0.0)
    mid_band: float = Field(gt=0.0, lt=10.0)
    rules: tuple[NamingRule, ...]
    average: AverageParams
    fallback: FallbackParams
    #: a cluster within this distance (standardized units, over all model features) of a
    #: segment of the last run keeps that segment's name; null = name every run afresh
    carry_over_distance: float | None = Field(gt=0.0)

    @model_validator(mode="after")
    def _rules_named_once(self) -> NamingParams:
        # names are assigned greedily, each rule once: two rules of one name would give two
        # segments the same name
        if not self.rules:
            raise invalid(
                "must be a non-empty list of rules",
                "list rules with name, when, goal and actions",
                key="rules",
            )
        check_listed_once(
            [rule.name for rule in self.rules],
            "names {repeated} more than once",
            "give every rule its own name",
            key="rules",
        )
        return self


class ClusteringParams(Parameters):
    """``clustering:``: the final KMeans, cluster order, stability and segment naming."""

    kmeans: KMeansParams
    # null = the library default (all cores)
    n_threads: int | None = Field(ge=1)
    workers: int | None = Field(ge=1)  # bootstrap re-fits at once; null: one per core
    # a numeric model feature or "size"; checked against the data by fit_segmentation_model
    relabel_by: str
    stability: StabilityParams
    reference: ReferenceParams
    naming: NamingParams

    @field_validator("relabel_by")
    @classmethod
    def _has_text(cls, value: str) -> str:
        if not value.strip():
            raise invalid(
                f"must be a non-empty string, got {value!r}",
                "set 'size' or a numeric model feature",
            )
        return value
