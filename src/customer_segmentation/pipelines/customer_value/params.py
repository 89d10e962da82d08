"""The ``customer_value`` parameter group (conf/base/parameters_customer_value.yml), typed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, model_validator

from customer_segmentation.errors import config_file
from customer_segmentation.parameters import Parameters, invalid

PARAMS_FILE = "parameters_customer_value.yml"

#: Days in one time unit of the models (lifetimes' ``freq``): purchases are counted once per
#: unit, and recency, T and the holdout are measured in units.
DAYS_PER_UNIT = {"D": 1, "W": 7}


def _iso_date(value: Any) -> Any:
    """A ``YYYY-MM-DD`` text (YAML may also hand over a date) as a date; None stays."""
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise invalid(
            f"is {value!r}, not a date written YYYY-MM-DD",
            f"write it as e.g. 2011-12-09, or null (the day of the last invoice), in "
            f"{config_file(PARAMS_FILE)}",
        ) from None


ObservationEnd = Annotated[dt.date | None, BeforeValidator(_iso_date)]


class LineColumns(Parameters):
    """Columns of ``clean_transactions`` (and ``customer_id`` of ``customer_segments``)."""

    customer_id: str = Field(min_length=1)
    invoice_date: str = Field(min_length=1)
    revenue: str = Field(min_length=1)
    is_return: str = Field(min_length=1)


class ModelFit(Parameters):
    """One model's fit: L2 penalizer on its log parameters, and the optimiser's tolerance."""

    #: 0 = plain maximum likelihood (the published fits); raise it (0.001, 0.01) when the
    #: fit does not converge on sparse data
    penalizer: float = Field(ge=0.0, le=10.0)
    tolerance: float = Field(gt=0.0, lt=1.0)


class CustomerValueParams(Parameters):
    """``customer_value:``: time unit, horizon, discount, holdout and the two model fits."""

    columns: LineColumns
    #: the column of customer_segments that names the segment
    segment_column: str = Field(min_length=1)
    time_unit: Literal["D", "W"]
    observation_end: ObservationEnd
    horizon_months: int = Field(ge=1, le=120)
    monthly_discount_rate: float = Field(ge=0.0, lt=1.0)
    holdout_days: int = Field(ge=1)
    min_customers: int = Field(ge=2)
    bg_nbd: ModelFit
    gamma_gamma: ModelFit

    @model_validator(mode="after")
    def _holdout_spans_a_unit(self) -> CustomerValueParams:
        unit = DAYS_PER_UNIT[self.time_unit]
        if self.holdout_days < unit:
            raise invalid(
                f"is {self.holdout_days} days, shorter than one time unit ({unit} days)",
                f"set it to at least {unit} in {config_file(PARAMS_FILE)}",
                key="holdout_days",
            )
        return self

    @property
    def days_per_unit(self) -> int:
        """Days in one time unit."""
        return DAYS_PER_UNIT[self.time_unit]
