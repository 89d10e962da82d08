"""The ``model_selection`` parameter group (conf/base/parameters_model_selection.yml), typed.

:class:`ModelSelectionParams` is the one place where the group is checked: ranges and choices
by the field types, the rules between keys (reversed K range, ``forced_k`` outside it, a
``min_segment_share`` no solution can meet, unknown or repeated scaler names) by validators.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from customer_segmentation.model import SCALER_NAMES, ClustererParams, KMeansParams
from customer_segmentation.parameters import Parameters, check_listed_once, invalid

#: The parameter group of this pipeline (``params:model_selection``).
PARAMETER_GROUP = "model_selection"


class KRange(Parameters):
    """The K values searched: every whole number from ``min`` to ``max``."""

    min: int = Field(ge=2)
    max: int = Field(ge=2)

    @model_validator(mode="after")
    def _ordered(self) -> KRange:
        if self.max < self.min:
            raise invalid(
                f"K range is reversed (min {self.min} > max {self.max})",
                "set k_range.min <= k_range.max",
            )
        return self

    @property
    def values(self) -> list[int]:
        """``[min, min + 1, ..., max]``."""
        return list(range(self.min, self.max + 1))


class SamplingParams(Parameters):
    """Fixed-seed rows of the search: the fit sample and the silhouette samples drawn from it."""

    seed: int = Field(ge=0)
    search_sample_size: int = Field(ge=2)
    silhouette_sample_size: int = Field(ge=2)  # rows in each silhouette sample
    silhouette_samples: int = Field(ge=1)  # independent samples: mean and spread
    min_rows_per_cluster: int = Field(ge=1)  # stratified: every cluster at least this many


class SelectionParams(Parameters):
    """The policy that turns the scored candidates into one scaler and K."""

    policy: Literal["largest_stable_k", "max_silhouette"]
    tolerance: float = Field(ge=0, lt=1)  # relative to the best mean silhouette
    min_stability: float = Field(ge=-1, le=1)  # mean ARI of re-fits on resamples
    stability_resamples: int = Field(ge=1)
    stability_sample_fraction: float = Field(gt=0, le=1)
    weak_structure_below: float = Field(ge=-1, le=1)  # silhouette that says "no real segments"


class StudyParams(Parameters):
    """The Optuna study: where it is stored, how many trials, and the sampler."""

    study_name: str = Field(min_length=1)
    storage: str | None = Field(min_length=1)  # null: in memory
    sampler: Literal["auto", "grid", "tpe"]
    n_trials: int = Field(ge=1)
    timeout_s: float | None = Field(gt=0)  # null: no limit
    sampler_seed: int = Field(ge=0)
    n_startup_trials: int = Field(ge=0)


class ModelSelectionParams(Parameters):
    """Everything ``model_selection`` needs to pick the scaler and the number of clusters."""

    k_range: KRange
    default_scaler: str
    scalers: tuple[str, ...]
    scoring_space: Literal["standardized", "scaled"]
    forced_k: int | None
    min_segment_share: float = Field(gt=0, lt=1)
    sampling: SamplingParams
    selection: SelectionParams
    n_threads: int | None = Field(ge=1)  # null: the library default (all cores)
    workers: int | None = Field(ge=1)  # candidates scored at once; null: one per core
    algorithm: ClustererParams
    kmeans: KMeansParams  # fit settings of every algorithm (``algorithm`` is K-means' own)
    study: StudyParams

    @field_validator("default_scaler")
    @classmethod
    def _known_scaler(cls, name: str) -> str:
        # a runtime list (customer_segmentation.model.scalers), so not a Literal
        if name not in SCALER_NAMES:
            raise invalid(
                f"is {name!r}, not one of {', '.join(SCALER_NAMES)}",
                f"use one of {', '.join(SCALER_NAMES)}",
            )
        return name

    @field_validator("scalers")
    @classmethod
    def _known_scalers(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        if not names:
            raise invalid(
                "must be a non-empty list of scaler names",
                f"list some of {', '.join(SCALER_NAMES)}",
            )
        for name in names:
            if name not in SCALER_NAMES:
                raise invalid(
                    f"contains unknown scaler {name!r}", f"use only {', '.join(SCALER_NAMES)}"
                )
        check_listed_once(names, "lists a scaler twice", "list each scaler once")
        return names

    @model_validator(mode="after")
    def _reachable(self) -> ModelSelectionParams:
        k_min, k_max = self.k_range.min, self.k_range.max
        if self.forced_k is not None and not k_min <= self.forced_k <= k_max:
            raise invalid(
                f"is {self.forced_k}, outside the K range {k_min}..{k_max}",
                f"set forced_k between {k_min} and {k_max}, widen k_range, or set it to null",
                key="forced_k",
            )
        size = self.sampling.search_sample_size
        if size < k_max:
            # the K grid fits every K of k_range on the search sample
            raise invalid(
                f"is {size}, below the largest K {k_max}",
                f"set search_sample_size >= {k_max}",
                key="sampling.search_sample_size",
            )
        floor = self.sampling.min_rows_per_cluster * k_max
        if floor > self.sampling.silhouette_sample_size:
            raise invalid(
                f"is {self.sampling.min_rows_per_cluster}, but {k_max} clusters of that many "
                f"rows need {floor} rows, more than silhouette_sample_size "
                f"{self.sampling.silhouette_sample_size}",
                f"set min_rows_per_cluster <= {self.sampling.silhouette_sample_size // k_max} "
                "or raise silhouette_sample_size",
                key="sampling.min_rows_per_cluster",
            )
        share, largest_k = self.min_segment_share, self.largest_k
        if share * largest_k > 1:
            # no solution with largest_k clusters can give each of them that share
            raise invalid(
                f"is {share}, but {largest_k} clusters of at least that share need "
                f"{share * largest_k:.0%} of customers",
                f"set min_segment_share <= {1 / largest_k:.4f} or lower the largest K",
                key="min_segment_share",
            )
        return self

    @property
    def k_values(self) -> list[int]:
        """Every K of ``k_range`` (the K grid; the study's K range)."""
        return self.k_range.values

    @property
    def largest_k(self) -> int:
        """The largest K a solution can have: ``forced_k`` when set, else ``k_range.max``."""
        return self.forced_k if self.forced_k is not None else self.k_range.max

    @property
    def search_space_size(self) -> int:
        """Number of (scaler, K) pairs the study can try."""
        return len(self.scalers) * (1 if self.forced_k is not None else len(self.k_values))

    @property
    def uses_grid(self) -> bool:
        """Whether the study enumerates the space (``sampler: grid``, or ``auto`` and the
        space has at most ``n_trials`` pairs) instead of sampling it with TPE."""
        if self.study.sampler == "auto":
            return self.search_space_size <= self.study.n_trials
        return self.study.sampler == "grid"

    def search_settings(self) -> dict[str, Any]:
        """The settings that change a trial's result, as plain JSON values.

        Hashed into the stored study's name (``sample_fingerprint``). The selection policy
        is left out: it is applied to the stored trials afterwards, so changing it reuses
        them. The algorithm is named only when it is not K-means (whose other settings do
        not change a result), so K-means studies stored before experiments keep their name.
        """
        algorithm = self.algorithm
        return {
            "k_values": self.k_values,
            "forced_k": self.forced_k,
            "scalers": list(self.scalers),
            "scoring_space": self.scoring_space,
            "min_segment_share": self.min_segment_share,
            "kmeans": self.kmeans.model_dump(),
            "sampling": self.sampling.model_dump(),
            **({} if algorithm.name == "kmeans" else {"algorithm": algorithm.model_dump()}),
        }
