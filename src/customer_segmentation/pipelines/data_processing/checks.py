"""The checks on parsed lines that run before anything is written, in one query.

Each rule either lets the run go on (its lines go to ``rejected_transactions`` and a warning
gives the count) or, above its share, stops it with one line that names the dataset, the
column, examples and the fix: values that do not parse, separators that contradict the
data, UTC offsets, dates outside the plausible window, line revenues that cannot be.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.snapshot import as_snapshot_date, check_snapshot_date

from .params import DECIMAL_LIMIT, ParsingParams, PlausibilityParams
from .parsing import (
    SERIAL_DAYS,
    bad_grouping,
    has_utc_offset,
    order_key,
    scientific,
    strip,
    undeclared_thousands,
)

logger = logging.getLogger(__name__)

RAW_DATASET = "raw_transactions"
PARAMS_FILE = "parameters_data_processing.yml"
IMPLAUSIBLE_DATE = "implausible_date"
REVENUE_ABOVE_MAX = "line_revenue_above_max"
#: The rules decided when parsing, in the order they apply; parsed lines carry a boolean
#: column of each name.
IMPLAUSIBLE_RULES = (IMPLAUSIBLE_DATE, REVENUE_ABOVE_MAX)
NUMBER_COLUMNS = ("quantity", "price")


def missing(value: ir.Value) -> ir.BooleanValue:
    """No usable value: null, or a NaN or infinite number ("nan"/"inf" text, or in a Parquet file).

    Spark's ``isnull`` already counts NaN as missing, DuckDB's does not: testing NaN here
    gives every line the same outcome on both engines. An infinite price or quantity would
    make every sum it enters infinite, so it is no more usable than text.
    """
    if not value.type().is_floating():
        return value.isnull()
    return value.isnull() | value.isnan() | value.isinf()


@dataclass(frozen=True)
class DateWindow:
    """Plausible invoice dates: ``earliest <= date < end``, and before ``snapshot`` if set."""

    earliest: dt.date | None
    latest: dt.date
    snapshot: dt.date | None

    @classmethod
    def of(cls, plausibility: PlausibilityParams, snapshot_date: object) -> DateWindow:
        latest = plausibility.latest_date or dt.date.today()
        return cls(plausibility.earliest_date, latest, as_snapshot_date(snapshot_date))

    @staticmethod
    def _at(day: dt.date) -> ir.TimestampScalar:
        return ibis.literal(pd.Timestamp(day), type="timestamp")

    def within(self, date: ir.TimestampValue) -> ir.BooleanValue:
        """Inside ``earliest .. latest`` (the snapshot aside)."""
        inside = date < self._at(self.latest + dt.timedelta(days=1))
        if self.earliest is not None:
            inside = inside & (date >= self._at(self.earliest))
        return inside

    def plausible(self, date: ir.TimestampValue) -> ir.BooleanValue:
        inside = self.within(date)
        if self.snapshot is not None:
            inside = inside & (date < self._at(self.snapshot))
        return inside

    def describe(self) -> str:
        earliest = "" if self.earliest is None else f"before {self.earliest} or "
        text = f"{earliest}after {self.latest}"
        if self.snapshot is not None and self.snapshot <= self.latest:
            text += f" or on or after the snapshot {self.snapshot}"
        return text


def implausible(
    date: ir.TimestampValue,
    quantity: ir.FloatingValue,
    price: ir.FloatingValue,
    plausibility: PlausibilityParams,
    window: DateWindow,
) -> dict[str, ir.BooleanValue]:
    """Per rule (``implausible_date``, ``line_revenue_above_max``): whether a line breaks it.

    Only lines with all three values can: a line missing one breaks an earlier rule
    (unparseable or missing). Plain conditions, no CASE, so that the engine parses each
    value once for all of them.
    """
    present = date.notnull() & ~missing(quantity) & ~missing(price)
    revenue = (quantity * price).abs()
    too_large = (quantity.abs() >= DECIMAL_LIMIT) | (revenue >= DECIMAL_LIMIT)
    if plausibility.max_line_revenue is not None:
        too_large = too_large | (revenue > plausibility.max_line_revenue)
    return {
        IMPLAUSIBLE_DATE: (present & ~window.plausible(date)).fill_null(False),
        REVENUE_ABOVE_MAX: (present & too_large).fill_null(False),
    }


def check_parsed(
    parsed: ir.Table,
    parsing: ParsingParams,
    text_columns: list[str],
    plausibility: PlausibilityParams | None = None,
    window: DateWindow | None = None,
) -> None:
    """Stop on what must not be written; warn with the count of what will be rejected.

    ``text_columns`` are the parsed columns read from text (typed sources always parse).
    One query counts everything; examples are looked up only for a message that stops.
    """
    failed = {column: unparseable(parsed, column) for column in text_columns}
    counts: dict[str, ir.Value] = {"lines": parsed.count()}
    counts |= {f"{column}_failed": parsed.count(where=flag) for column, flag in failed.items()}
    grouped = undeclared_thousands(parsing)
    for column in set(text_columns) & set(NUMBER_COLUMNS):
        counts[f"{column}_grouping"] = parsed.count(
            where=failed[column] & bad_grouping(parsed[column], parsing)
        )
        if grouped is not None:
            counts[f"{column}_thousands"] = parsed.count(
                where=failed[column] & parsed[column].re_search(grouped)
            )
    counts["scientific_ids"] = parsed.count(where=scientific(parsed.customer_id))
    offsets = "invoice_date" in text_columns and not parsing.date_format
    if offsets and parsing.utc_offsets == "refuse":
        counts["offsets"] = parsed.count(where=has_utc_offset(parsed.invoice_date))
    # ids given (not blank) that normalise to nothing or stand for a missing one
    counts["missing_ids"] = parsed.count(
        where=parsed.customer_id_value.isnull() & strip(parsed.customer_id).nullif("").notnull()
    )
    if plausibility is not None and window is not None:
        late_or_early, too_large = parsed[IMPLAUSIBLE_DATE], parsed[REVENUE_ABOVE_MAX]
        date = parsed.invoice_date_value
        counts[IMPLAUSIBLE_DATE] = parsed.count(where=late_or_early)
        counts[REVENUE_ABOVE_MAX] = parsed.count(where=too_large & ~late_or_early)
        if window.snapshot is not None:
            late = late_or_early & window.within(date)
            counts["after_snapshot"] = parsed.count(where=late)
            counts["last_in_window"] = date.max(where=window.within(date))
    count = Counts(parsed, parsed.aggregate(**counts).execute().iloc[0])
    lines = count.lines
    for column in set(text_columns) & set(NUMBER_COLUMNS):
        _check_thousands(count, parsing, column, grouped)
    for column in text_columns:
        _check_failures(count, parsing, column, failed[column])
    if count("scientific_ids"):
        examples = _examples(parsed, scientific(parsed.customer_id), "customer_id")
        raise InputValidationError(
            f"{count('scientific_ids')} of {lines} ids are numbers in scientific notation, e.g. "
            f"{examples}: a spreadsheet rounded them, so different customers may share one",
            "export the id column as text (in a spreadsheet: format the column as text before "
            "saving), or export to CSV or Parquet from the source system",
            dataset=RAW_DATASET,
            column="customer_id",
        )
    if count("offsets"):
        examples = _examples(parsed, has_utc_offset(parsed.invoice_date), "invoice_date")
        raise InputValidationError(
            f"{count('offsets')} of {lines} dates carry a UTC offset or zone, e.g. {examples}; "
            "read as they are, the offset would be lost",
            f"set data_processing.parsing.utc_offsets in {config_file(PARAMS_FILE)} to utc "
            "(convert them to UTC) or local (keep the time as written)",
            dataset=RAW_DATASET,
            column="invoice_date",
        )
    if count("missing_ids"):
        logger.warning(
            "%s: %d customer id(s) are blank or text that stands for a missing id "
            "(parsing.missing_id_values): their lines count as missing_customer_id",
            RAW_DATASET,
            count("missing_ids"),
        )
    if plausibility is not None and window is not None:
        _check_dates(count, plausibility, window)
        _check_revenue(count, plausibility)


@dataclass(frozen=True)
class Counts:
    """The counts of :func:`check_parsed`'s one query, and the table they were counted on."""

    parsed: ir.Table
    values: pd.Series

    @property
    def lines(self) -> int:
        return int(self.values["lines"])

    def __call__(self, name: str) -> int:
        # an engine may answer a count of no lines with null (NaN here)
        value = self.values.get(name)
        return 0 if value is None or pd.isna(value) else int(value)


def unparseable(parsed: ir.Table, column: str) -> ir.BooleanValue:
    """A value was given (not empty) but did not parse."""
    value = parsed[f"{column}_value"]
    if column == "price" and "line_amount_value" in parsed.columns:
        # price_is: line_amount: the text is the amount (the unit price also needs quantity)
        value = parsed.line_amount_value.fill_null(value)
    # value first: it is rarely missing, so the engine seldom needs the text test
    return missing(value) & strip(parsed[column]).nullif("").notnull()


def _examples(parsed: ir.Table, where: ir.BooleanValue, column: str) -> list[str]:
    """Up to three distinct values of ``column`` on the lines ``where`` holds."""
    rows = parsed.filter(where).select(column).distinct().order_by(column).limit(3)
    return rows.execute()[column].tolist()


def _share(n: int, lines: int) -> str:
    return f"{n} of {lines} lines ({n / lines:.1%})"


def _check_thousands(
    count: Counts, parsing: ParsingParams, column: str, grouped: str | None
) -> None:
    """Stop when values group thousands but no thousands separator is set.

    Even a few: they would be rejected as unparseable, and they are the largest amounts.
    """
    n_grouped = count(f"{column}_thousands")
    if grouped is None or n_grouped == 0:
        return
    examples = _examples(count.parsed, count.parsed[column].re_search(grouped), column)
    raise InputValidationError(
        f"{n_grouped} of {count.lines} values group thousands, e.g. {examples}, but no "
        "thousands separator is set: they would be rejected, and they are the largest amounts",
        f"set data_processing.parsing.thousands_separator in {config_file(PARAMS_FILE)} to the "
        "one the examples use",
        dataset=RAW_DATASET,
        column=column,
    )


def _check_failures(
    count: Counts, parsing: ParsingParams, column: str, failed: ir.BooleanValue
) -> None:
    """Raise when a column mostly fails to parse; log how many lines will be rejected."""
    parsed, lines, n_failed = count.parsed, count.lines, count(f"{column}_failed")
    if n_failed == 0:
        return
    share, limit = n_failed / lines, parsing.max_unparseable_share
    if share <= limit:
        logger.warning(
            "%s: %d line(s) with an unparseable %s go to rejected_transactions",
            RAW_DATASET,
            n_failed,
            column,
        )
        return
    grouping = count(f"{column}_grouping")
    if 2 * grouping >= n_failed:
        separator = parsing.thousands_separator
        examples = _examples(parsed, failed & bad_grouping(parsed[column], parsing), column)
        raise InputValidationError(
            f"{n_failed} of {lines} values ({share:.1%}) do not parse, e.g. {examples}: the "
            f"digits after the thousands separator '{separator}' are not in groups of 3, so "
            f"the data does not use '{separator}' for thousands (decimal separator "
            f"'{parsing.decimal_separator}')",
            f"set data_processing.parsing.thousands_separator and decimal_separator in "
            f"{config_file(PARAMS_FILE)} to the data's (for '2.55': decimal_separator '.', "
            "thousands_separator null)",
            dataset=RAW_DATASET,
            column=column,
        )
    examples = _examples(parsed, failed, column)
    hint = (
        "set data_processing.parsing.decimal_separator / thousands_separator"
        if column != "invoice_date"
        else "set data_processing.parsing.date_format to excel_serial (they look like a "
        "spreadsheet's serial day numbers)"
        if all(re.fullmatch(SERIAL_DAYS, str(example).strip()) for example in examples)
        else "set data_processing.parsing.date_format (strftime, e.g. '%d/%m/%Y %H:%M')"
    )
    raise InputValidationError(
        f"{n_failed} of {lines} values ({share:.1%}) do not parse, e.g. "
        f"{examples}; at most {limit:.1%} may (max_unparseable_share)",
        f"{hint} in {config_file(PARAMS_FILE)}, or map the right column",
        dataset=RAW_DATASET,
        column=column,
    )


def _check_dates(count: Counts, plausibility: PlausibilityParams, window: DateWindow) -> None:
    parsed, lines = count.parsed, count.lines
    n_dates, limit = count(IMPLAUSIBLE_DATE), plausibility.max_share
    if n_dates == 0:
        return
    if count("after_snapshot") / lines > limit:
        # most of the lines are after the snapshot: the snapshot is what is wrong
        check_snapshot_date(window.snapshot, pd.Timestamp(count.values["last_in_window"]).date())
    if n_dates / lines > limit:
        examples = _examples(parsed, parsed[IMPLAUSIBLE_DATE], "invoice_date")
        raise InputValidationError(
            f"{_share(n_dates, lines)} are dated {window.describe()}, e.g. {examples}; at "
            f"most {limit:.1%} may be (plausibility.max_share)",
            "correct the dates in the export (or parsing.date_format), or widen "
            "data_processing.plausibility.earliest_date / latest_date in "
            f"{config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
            column="invoice_date",
        )
    logger.warning(
        "%s: %d line(s) dated %s go to rejected_transactions (%s)",
        RAW_DATASET,
        n_dates,
        window.describe(),
        IMPLAUSIBLE_DATE,
    )


def _check_revenue(count: Counts, plausibility: PlausibilityParams) -> None:
    parsed, lines = count.parsed, count.lines
    n_lines, limit = count(REVENUE_ABOVE_MAX), plausibility.max_share
    if n_lines == 0:
        return
    bound = plausibility.max_line_revenue or DECIMAL_LIMIT
    if n_lines / lines > limit:
        flagged = parsed.filter(parsed[REVENUE_ABOVE_MAX] & ~parsed[IMPLAUSIBLE_DATE])
        pairs = flagged.select(line=strip(flagged.quantity) + " x " + strip(flagged.price))
        examples = pairs.distinct().order_by("line").limit(3).execute()["line"].tolist()
        raise InputValidationError(
            f"{_share(n_lines, lines)} have a line revenue (quantity x price) above "
            f"{bound:,.0f}, e.g. {examples}; at most {limit:.1%} may (plausibility.max_share)",
            "check the price and quantity columns (a price in cents? a line total mapped as "
            "price?) and parsing's separators, or raise data_processing.plausibility."
            f"max_line_revenue in {config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
            column="price",
        )
    logger.warning(
        "%s: %d line(s) with a line revenue (quantity x price) above %s go to "
        "rejected_transactions (%s)",
        RAW_DATASET,
        n_lines,
        f"{bound:,.0f}",
        REVENUE_ABOVE_MAX,
    )


def check_order_amounts(parsed: ir.Table) -> None:
    """Stop when lines of one order carry different totals (``price_is: order_amount``).

    Then the column holds line amounts or unit prices, and sharing a "total" among the
    lines would make up revenue.
    """
    t = parsed.filter(parsed.order_amount_value.notnull())
    order = order_key(t.invoice_value, t.customer_id_value, t.invoice_date_value)
    orders = t.group_by(order=order).aggregate(
        low=t.order_amount_value.min(), high=t.order_amount_value.max()
    )
    differing = orders.filter(orders.low != orders.high)
    n_orders = int(differing.count().execute())
    if n_orders == 0:
        return
    examples = differing.order_by("order").limit(3).execute()
    shown = [f"{row.order}: {row.low:g} and {row.high:g}" for row in examples.itertuples()]
    raise InputValidationError(
        f"{n_orders} order(s) carry different totals on their lines, e.g. {shown}, but "
        "parsing.price_is is order_amount (one total per order, on each of its lines or on "
        "one of them)",
        f"set data_processing.parsing.price_is in {config_file(PARAMS_FILE)} to line_amount "
        "(the amount of each line) or unit_price, or map the order total column as price",
        dataset=RAW_DATASET,
        column="price",
    )
