"""The ``experiments`` parameter group (conf/base/parameters_experiments.yml), typed."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, field_validator, model_validator

from customer_segmentation.parameters import Parameters, check_listed_once, invalid

#: An experiment's name is a Kedro namespace: its datasets are ``<name>.best_params`` etc.
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class ExperimentSpec(Parameters):
    """One experiment: what it changes from the run's own settings (nothing by default)."""

    #: one line for the comparison table and the report
    description: str = ""
    #: the model features it clusters on (null: every model feature of model_input)
    features: tuple[str, ...] | None = None
    #: keys of ``model_selection`` it changes (e.g. the algorithm, the K range, the scalers)
    model_selection: dict[str, Any] = Field(default_factory=dict)

    @field_validator("features")
    @classmethod
    def _some_features(cls, features: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if features is not None:
            if not features:
                raise invalid("is an empty list", "list some model features, or null for all")
            check_listed_once(features, "lists {repeated} twice", "list each feature once")
        return features


class ExperimentsParams(Parameters):
    """``experiments:``: the variants run side by side, and the one whose segments are used."""

    #: the experiment whose segments become the run's (names, report, workbook, saved model)
    chosen: str
    #: name -> experiment, in the order of the comparison table
    run: dict[str, ExperimentSpec]

    @field_validator("run")
    @classmethod
    def _named_like_datasets(cls, run: dict[str, ExperimentSpec]) -> dict[str, ExperimentSpec]:
        if not run:
            raise invalid("has no experiment", "declare at least one, e.g. 'baseline: {}'")
        for name in run:
            if not NAME.match(name):
                raise invalid(
                    f"has experiment name {name!r}",
                    "use lower-case letters, digits and '_', starting with a letter",
                )
        return run

    @model_validator(mode="after")
    def _chosen_is_run(self) -> ExperimentsParams:
        if self.chosen not in self.run:
            raise invalid(
                f"is {self.chosen!r}, not one of the experiments ({', '.join(self.run)})",
                f"name one of {', '.join(self.run)}",
                key="chosen",
            )
        return self
