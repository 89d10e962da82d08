"""The snapshot date: the day customer features are measured at.

``feature_engineering.snapshot_date`` is read by two pipelines: ``data_processing`` (the
plausible dates of invoice lines end before it) and ``feature_engineering`` (recency is
measured at it). Both read and check it here, the same way.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from pydantic import BeforeValidator, TypeAdapter, ValidationError

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.parameters import invalid

#: The parameter, and the file users set it in.
PARAMETER = "feature_engineering.snapshot_date"
PARAMS_FILE = "parameters_feature_engineering.yml"


def _iso_date(value: Any) -> Any:
    """Text must be an ISO date: pydantic alone would also take other forms (timestamps)."""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise invalid(
                f"'{value}' is not an ISO date (YYYY-MM-DD)",
                f"set {PARAMETER} in {config_file(PARAMS_FILE)} to YYYY-MM-DD or null",
            ) from None
    return value


#: A day given as a date (unquoted in YAML) or as ISO text; null where allowed.
SnapshotDate = Annotated[dt.date | None, BeforeValidator(_iso_date)]

_SNAPSHOT_DATE: TypeAdapter[dt.date | None] = TypeAdapter(SnapshotDate)


def as_snapshot_date(value: Any) -> dt.date | None:
    """``feature_engineering.snapshot_date`` as a date (YAML may give a date or ISO text).

    The parameter reaches nodes as a plain value (not a model field): this reads it the
    way :class:`FeatureEngineeringParams` does, which has already checked it in a run.
    """
    try:
        return _SNAPSHOT_DATE.validate_python(value)
    except ValidationError as error:  # only outside a run: the run checked it already
        first = error.errors()[0]
        fix = (first.get("ctx") or {}).get("fix") or (
            f"set it in {config_file(PARAMS_FILE)} to YYYY-MM-DD or null"
        )
        raise InputValidationError(first["msg"], fix, parameter=PARAMETER) from None


def check_snapshot_date(snapshot_date: dt.date | str | None, last_invoice_day: dt.date) -> dt.date:
    """The day features are measured at: the parameter, or the day after the last invoice.

    A snapshot on or before the last invoice would make recencies negative: refused. Both
    data_processing (before it writes the clean lines) and feature_engineering's
    ``resolve_snapshot_date`` (when it runs alone on clean lines written earlier) call this
    one check.
    """
    snapshot = as_snapshot_date(snapshot_date)
    if snapshot is None:
        return last_invoice_day + dt.timedelta(days=1)
    if snapshot <= last_invoice_day:
        raise InputValidationError(
            f"snapshot {snapshot} is on or before the last invoice ({last_invoice_day}): "
            "recency would be negative for the latest customers",
            f"set {PARAMETER} in {config_file(PARAMS_FILE)} to a day "
            f"after the last invoice ({last_invoice_day + dt.timedelta(days=1)} or later), "
            "or null",
            parameter=PARAMETER,
        )
    return snapshot
