"""The ``data_processing`` parameter group (conf/base/parameters_data_processing.yml), typed.

The nodes take the three parts separately (``params:data_processing.column_mapping``,
``.parsing``, ``.cleaning``), so the group is typed at that granularity: no node may take
``params:data_processing`` as a whole model.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from customer_segmentation.errors import config_file
from customer_segmentation.parameters import Parameters, invalid

PARAMS_FILE = "parameters_data_processing.yml"

#: strftime directives a date format may use, with the field and the most digits of each.
STRFTIME_FIELDS = {
    "Y": ("year", 4),
    "m": ("month", 2),
    "d": ("day", 2),
    "H": ("hour", 2),
    "M": ("minute", 2),
    "S": ("second", 2),
}
#: ``date_format`` for dates written as a spreadsheet's serial day numbers (40148.32639).
EXCEL_SERIAL = "excel_serial"
#: A date format split into directives (``%Y``) and literal text.
STRFTIME_TOKEN = re.compile(r"%[A-Za-z%]|[^%]+")
#: Clean lines feed sums of this exact type (customer_metrics' ``REVENUE_TYPE``,
#: ``DECIMAL(18, 4)``): a quantity or line revenue must stay below it.
DECIMAL_LIMIT = 1e14


class ColumnMapping(Parameters):
    """Canonical column -> the column's name in the export (null: an optional column lacking).

    ``quantity``, ``invoice_date``, ``price`` and ``customer_id`` are required: without them
    a line cannot be used at all.
    """

    invoice: str | None
    stock_code: str | None
    description: str | None
    quantity: str
    invoice_date: str
    price: str
    customer_id: str
    country: str | None

    @field_validator("quantity", "invoice_date", "price", "customer_id", mode="before")
    @classmethod
    def _required_is_mapped(cls, value: Any) -> Any:
        # before the type check: "not mapped" says more than "Input should be a valid string"
        if value is None or (isinstance(value, str) and not value.strip()):
            raise invalid(
                "a required column is not mapped",
                f"set it in {config_file(PARAMS_FILE)} to the name of that column in your export",
            )
        return value

    @field_validator("invoice", "stock_code", "description", "country")
    @classmethod
    def _optional_is_named(cls, value: str | None) -> str | None:
        # an empty name is no column of any export; null is the way to say "not there"
        if value is not None and not value.strip():
            raise invalid(
                "is an empty column name",
                f"set it in {config_file(PARAMS_FILE)} to the name of that column in your "
                "export, or null if the export has none",
            )
        return value


class ParsingParams(Parameters):
    """How the text of dates and numbers is read, and how much of it may fail to parse."""

    #: strftime format of the invoice date (numeric directives only); null = ISO 8601;
    #: ``excel_serial`` = a spreadsheet's serial day numbers
    date_format: str | None
    decimal_separator: str = Field(min_length=1)
    thousands_separator: str | None
    strip_customer_id_decimals: bool
    #: customer / invoice ids that stand for a missing one (trimmed, case-insensitive)
    missing_id_values: tuple[str, ...]
    #: ISO dates with a UTC offset or zone: refuse them, convert them to UTC, or keep the
    #: local time as written (dropping the offset)
    utc_offsets: Literal["refuse", "utc", "local"]
    #: what the mapped price column holds: the unit price, the amount paid for the line
    #: (unit price = amount / quantity; line revenue = the amount), or the amount paid for
    #: the whole order (on each of its lines or on one; shared by its kept lines)
    price_is: Literal["unit_price", "line_amount", "order_amount"]
    #: share of a column's values that may fail to parse; 1 would accept a wrong format
    max_unparseable_share: float = Field(ge=0, lt=1)

    @field_validator("missing_id_values")
    @classmethod
    def _named_values(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        # an empty id is always missing; "" in the list would read as a list of nothing
        if any(not item.strip() for item in value):
            raise invalid(
                "lists an empty value (an empty id is always missing)",
                f"remove it from the list in {config_file(PARAMS_FILE)}",
            )
        return value

    @field_validator("date_format")
    @classmethod
    def _supported_directives(cls, value: str | None) -> str | None:
        if value == EXCEL_SERIAL:
            return value
        # dates are parsed by regex (same result on every engine): numeric fields only
        for token in STRFTIME_TOKEN.findall(value or ""):
            if token.startswith("%") and token != "%%" and token[1] not in STRFTIME_FIELDS:
                raise invalid(
                    f"unsupported directive {token} in date format '{value}'",
                    "use only %Y %m %d %H %M %S and literal separators, or null for ISO dates",
                )
        return value

    @model_validator(mode="after")
    def _distinct_separators(self) -> ParsingParams:
        # removing the thousands separator first would also remove every decimal point
        if self.thousands_separator and self.thousands_separator == self.decimal_separator:
            raise invalid(
                f"is the decimal separator too ('{self.decimal_separator}')",
                f"set a different thousands_separator (or null) in {config_file(PARAMS_FILE)}",
                key="thousands_separator",
            )
        return self


class PlausibilityParams(Parameters):
    """Values that parse but cannot be right: a date outside a window, an absurd revenue.

    Such lines go to ``rejected_transactions`` (``implausible_date``,
    ``line_revenue_above_max``) with a warning; above ``max_share`` of the lines the run
    stops before anything is written.
    """

    #: lines dated before this day are implausible; null = no lower bound
    earliest_date: dt.date | None
    #: lines dated after this day are implausible; null = the day the run starts
    latest_date: dt.date | None
    #: |quantity x price| above this is no line revenue; null = only the decimal bound
    max_line_revenue: float | None = Field(gt=0, le=DECIMAL_LIMIT)
    #: share of the lines each rule may reject before the run stops
    max_share: float = Field(ge=0, lt=1)

    @model_validator(mode="after")
    def _window_is_ordered(self) -> PlausibilityParams:
        if self.earliest_date and self.latest_date and self.earliest_date > self.latest_date:
            raise invalid(
                f"is after latest_date ({self.latest_date}): no date would be plausible",
                f"set an earlier earliest_date in {config_file(PARAMS_FILE)}",
                key="earliest_date",
            )
        return self


class CleaningParams(Parameters):
    """Line-level cleaning rules; each ``drop_*`` switch turns one rule on or off."""

    #: invoices starting with this are cancellations (returns); null = none are
    cancellation_prefix: str | None
    #: false: a line without a customer id is kept as a one-off guest of its invoice
    #: (customer ``guest:<invoice>``); a line with neither id is still rejected
    drop_missing_customer: bool
    drop_duplicates: bool
    drop_zero_quantity: bool
    drop_non_positive_price: bool
    #: |quantity| above this is a data-entry error; null = no limit
    max_abs_quantity: float | None = Field(gt=0)
    #: stock codes that are fees, postage or adjustments (matched case-insensitively)
    non_product_codes: tuple[str, ...]


class DataProcessingParams(Parameters):
    """The whole ``data_processing:`` group: column mapping, parsing, plausibility, cleaning."""

    column_mapping: ColumnMapping
    parsing: ParsingParams
    plausibility: PlausibilityParams
    cleaning: CleaningParams

    @model_validator(mode="after")
    def _orders_are_known(self) -> DataProcessingParams:
        # an order total is shared among the lines of its order: they must be known
        if self.parsing.price_is == "order_amount" and self.column_mapping.invoice is None:
            raise invalid(
                "is order_amount, but no invoice column is mapped: the lines of an order "
                "cannot be found",
                f"map column_mapping.invoice to the order id column in {config_file(PARAMS_FILE)}",
                key="parsing.price_is",
            )
        return self
