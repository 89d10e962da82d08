"""Reading the text of one value: dates, numbers and customer ids, as Ibis expressions.

Every function here maps a text column to a typed (or normalised) one, null where the text
does not give a value, never an error: the nodes count the nulls and decide. The same
expressions run on DuckDB and Spark (regexes use only what RE2 and Java share).
"""

from __future__ import annotations

import re

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir

from .params import EXCEL_SERIAL, STRFTIME_FIELDS, STRFTIME_TOKEN, ParsingParams

#: Canonical column names, in the order the clean table keeps them.
CANONICAL_COLUMNS = (
    "invoice",
    "stock_code",
    "description",
    "quantity",
    "invoice_date",
    "price",
    "customer_id",
    "country",
)
#: Columns parsed from text; a value that does not parse is ``unparseable_<column>``.
PARSED_COLUMNS = ("invoice_date", "quantity", "price")

#: An ISO date and time followed by a UTC offset or zone: groups 1 = the local date and
#: time, 2 = the offset's sign, 3 its hours, 4 its minutes. A time must come first, so the
#: day of a date-only text ("2010-12-01") is never read as an offset.
UTC_OFFSET = (
    r"^\s*(.*\d:\d\d(?::\d\d(?:[.,]\d+)?)?)\s*"
    r"(?:[zZ]|[uU][tT][cC]|[gG][mM][tT]|([+-])(\d\d?)(?::?(\d\d))?)\s*$"
)
#: The ISO layout without an offset has 19 characters; an offset adds some (or is a "Z"):
#: only such texts are tested with the (costlier) regex.
ISO_LENGTH = 19
#: A spreadsheet serial date: whole days since its epoch, the time of day as a fraction.
SERIAL_DAYS = r"^[0-9]{1,6}(\.[0-9]+)?$"
#: An id that needs no normalisation (the usual case, tested first because it is cheap).
PLAIN_ID = r"^[0-9]+$"
#: What normalising an id removes: control and format characters anywhere, and Unicode
#: whitespace (the no-break space U+00A0, ...) at either end.
ID_NOISE = r"^[\p{Z}\p{Cc}\p{Cf}]+|[\p{Z}\p{Cc}\p{Cf}]+$|[\p{Cc}\p{Cf}]"


def strip(text: ir.StringValue) -> ir.StringValue:
    """``text.strip()``, computed only for text that starts or ends with whitespace.

    Stripping copies every string, which on millions of lines costs more than parsing.
    The whitespace Ibis strips (``string.whitespace``) all has code points <= 32, so
    testing the first and last characters first gives the same result.
    """
    edge = (text.ascii_str() <= 32) | (text.right(1).ascii_str() <= 32)
    return ibis.ifelse(edge, text.strip(), text)


def strftime_to_regex(date_format: str) -> tuple[str, list[str]]:
    """Translate a strftime format into an anchored regex and the field of each group.

    Only numeric directives are supported (%Y %m %d %H %M %S); two directives with no
    separator between them (``%Y%m%d``) take fixed widths.
    """
    tokens = STRFTIME_TOKEN.findall(date_format)
    pattern, fields = "^", []
    for position, token in enumerate(tokens):
        if token.startswith("%") and token != "%%":
            # ParsingParams allows only the directives of STRFTIME_FIELDS
            field, width = STRFTIME_FIELDS[token[1]]
            next_is_directive = position + 1 < len(tokens) and tokens[position + 1][0] == "%"
            pattern += rf"(\d{{{width}}})" if next_is_directive else rf"(\d{{1,{width}}})"
            fields.append(field)
        else:
            pattern += re.escape("%" if token == "%%" else token)
    return pattern + "$", fields


def has_utc_offset(text: ir.StringValue) -> ir.BooleanValue:
    """Whether an ISO date text carries a UTC offset or zone (``+05:00``, ``Z``, `` UTC``)."""
    maybe = (text.length() > ISO_LENGTH) | text.endswith("Z")
    return maybe & text.re_search(UTC_OFFSET)


def excel_serial_date(text: ir.StringValue) -> ir.TimestampValue:
    """A spreadsheet's serial day number (40148.3263888889) as a timestamp, to the second.

    Day 1 is 1900-01-01 in Excel's count, whose epoch is 1899-12-30 (it counts a 29 February
    1900 that never was; dates before March 1900 are implausible for invoices anyway).
    """
    days = strip(text).re_extract(SERIAL_DAYS, 0).nullif("").try_cast("float64")
    seconds = (days * 86400).round().cast("int64")
    return ibis.timestamp("1899-12-30 00:00:00") + seconds.as_interval("s")


def parse_timestamp(
    text: ir.StringValue, date_format: str | None, utc_offsets: str = "local"
) -> ir.TimestampValue:
    """Parse text to a timestamp, null where it does not parse (never an error).

    With a format, the fields are pulled out by regex and re-assembled as ISO text, so
    impossible dates (31 February) become null too, identically on every backend. ISO text
    with a UTC offset is read without it (``local``) or converted to UTC (``utc``): engines
    differ in what they do with an offset themselves, so none reaches them. (``refuse``
    reads the text as it is: the check before writing stops a run with offsets.)
    """
    if date_format == EXCEL_SERIAL:
        return excel_serial_date(text)
    if not date_format and utc_offsets == "refuse":
        return strip(text).try_cast("timestamp")
    if not date_format:
        offset = has_utc_offset(text)
        value = ibis.ifelse(offset, text.re_extract(UTC_OFFSET, 1), strip(text))
        value = value.try_cast("timestamp")
        if utc_offsets != "utc":
            return value
        sign = ibis.ifelse(text.re_extract(UTC_OFFSET, 2) == "-", -1, 1)
        hours = text.re_extract(UTC_OFFSET, 3).nullif("").cast("int64").fill_null(0)
        minutes = text.re_extract(UTC_OFFSET, 4).nullif("").cast("int64").fill_null(0)
        shift = (sign * (hours * 60 + minutes)).as_interval("m")
        return ibis.ifelse(offset, value - shift, value)
    text = strip(text)
    pattern, fields = strftime_to_regex(date_format)

    def field(name: str, default: str) -> ir.StringValue:
        if name not in fields:
            return ibis.literal(default)
        return text.re_extract(pattern, fields.index(name) + 1).lpad(2, "0")

    iso = (
        field("year", "")
        + "-"
        + field("month", "01")
        + "-"
        + field("day", "01")
        + " "
        + field("hour", "00")
        + ":"
        + field("minute", "00")
        + ":"
        + field("second", "00")
    )
    return iso.try_cast("timestamp")


def thousands_grouping(parsing: ParsingParams) -> str | None:
    """Regex of a number written with the thousands separator (groups of 3 digits).

    A value with the separator that does not match (``2.55`` under ``thousands: "."``,
    ``0.550``) is not read by dropping the separator: the settings contradict the data.
    """
    if not parsing.thousands_separator:
        return None
    thousands = re.escape(parsing.thousands_separator)
    decimal = re.escape(parsing.decimal_separator)
    return rf"^[+-]?[1-9]\d{{0,2}}(?:{thousands}\d{{3}})+(?:{decimal}\d*)?$"


def parse_number(text: ir.StringValue, parsing: ParsingParams) -> ir.FloatingValue:
    """Parse text to a float with the configured separators, null where it does not parse."""
    text = strip(text)
    if grouping := thousands_grouping(parsing):
        separator = parsing.thousands_separator
        grouped = ibis.ifelse(
            text.re_search(grouping), text.replace(separator, ""), ibis.null("string")
        )
        text = ibis.ifelse(text.contains(separator), grouped, text)
    if parsing.decimal_separator != ".":
        text = text.replace(parsing.decimal_separator, ".")
    return text.try_cast("float64")


def bad_grouping(text: ir.StringValue, parsing: ParsingParams) -> ir.BooleanValue:
    """A value with the thousands separator whose digits are not grouped by 3."""
    grouping = thousands_grouping(parsing)
    if grouping is None:
        return ibis.literal(False)
    text = strip(text)
    return text.contains(parsing.thousands_separator) & ~text.re_search(grouping)


#: A number as a spreadsheet writes one too large for its cell: "1.28E+04" (rounded).
SCIENTIFIC = r"^\s*[+-]?\d(?:[.,]\d+)?[eE][+-]?\d+\s*$"


def scientific(text: ir.StringValue) -> ir.BooleanValue:
    """Whether text is a number in scientific notation (a spreadsheet's rounding of an id)."""
    return (text.contains("E+") | text.contains("e+")) & text.re_search(SCIENTIFIC)


def undeclared_thousands(parsing: ParsingParams) -> str | None:
    """Regex of a number grouped by thousands when no thousands separator is set.

    ``1,234.50`` in a dot-decimal export does not parse without ``thousands_separator``:
    rejected, the lines lost would be the largest amounts.
    """
    if parsing.thousands_separator:
        return None
    decimal = re.escape(parsing.decimal_separator)
    separators = re.escape("".join(c for c in ",.' " if c != parsing.decimal_separator))
    return rf"^\s*[+-]?[1-9]\d{{0,2}}(?:[{separators}]\d{{3}})+(?:{decimal}\d*)?\s*$"


def missing_as_null(text: ir.StringValue, values: tuple[str, ...]) -> ir.StringValue:
    """``text`` (trimmed), or null when empty or one of ``values`` (case-insensitive)."""
    text = strip(text).nullif("")
    tokens = sorted({v.strip().lower() for v in values})
    if not tokens:
        return text
    listed = ibis.literal(tokens, type="array<string>")
    missing = ibis.ifelse(listed.contains(text.lower()), ibis.null("string"), text)
    if any(token[:1].isdigit() for token in tokens):
        return missing
    first = text.ascii_str()  # the usual ids start with a digit: only others are looked up
    return ibis.ifelse((first >= ord("0")) & (first <= ord("9")), text, missing)


def customer_id(text: ir.StringValue, parsing: ParsingParams) -> ir.StringValue:
    """An id as one text per customer, before anything compares ids; null when missing.

    Control and format characters (``\\t``, a zero-width space, a byte-order mark) are
    removed wherever they are, Unicode whitespace (the no-break space U+00A0) is trimmed,
    ``13085.0`` becomes ``13085`` (``strip_customer_id_decimals``), and an id that is empty
    or one of ``missing_id_values`` (``nan``, ``NULL``, ...) is null. Ids of digits only
    (the usual case) are taken as they are: the regexes run only on the others.
    """
    cleaned = text.re_replace(ID_NOISE, "")
    if parsing.strip_customer_id_decimals:
        # spreadsheet exports turn integer ids into floats ("13085.0")
        cleaned = cleaned.re_replace(r"\.0+$", "")
    cleaned = cleaned.nullif("")
    tokens = sorted({v.strip().lower() for v in parsing.missing_id_values})
    if tokens:
        listed = ibis.literal(tokens, type="array<string>")
        cleaned = ibis.ifelse(listed.contains(cleaned.lower()), ibis.null("string"), cleaned)
        if any(re.fullmatch(PLAIN_ID, token) for token in tokens):
            text = ibis.ifelse(listed.contains(text), ibis.null("string"), text)
    return ibis.ifelse(text.re_search(PLAIN_ID), text, cleaned)


def mapped_columns(mapped: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
    """The table ``map_columns`` selected from, and the expression of each canonical column.

    Parsing builds on these instead of on the mapped table, so that it can see when a text
    column is only a typed column cast to text (see :func:`.nodes._typed_sources`).
    """
    op = mapped.op()
    if isinstance(op, ops.Project):
        return op.parent.to_expr(), {name: value.to_expr() for name, value in op.values.items()}
    return mapped, {name: mapped[name] for name in mapped.columns}


def order_key(
    invoice: ir.StringValue, customer: ir.StringValue, invoice_date: ir.TimestampValue
) -> ir.StringValue:
    """The order a line belongs to: its invoice, or (without one) its customer and day."""
    return invoice.fill_null(customer + "@" + invoice_date.date().cast("string"))


def order_amounts(
    amount: ir.FloatingValue, text: ir.StringValue, order: ir.StringValue
) -> ir.FloatingValue:
    """Each line's order total: its own, or, where its cell is empty, its order's.

    Exports of order totals repeat the total on every line of the order, or write it on
    one line and leave the others empty (Shopify's "Total"). An unparseable cell stays
    unparseable (the line is rejected for it).
    """
    return ibis.ifelse(strip(text).nullif("").isnull(), amount.max().over(group_by=order), amount)


def unit_price(amount: ir.FloatingValue, quantity: ir.FloatingValue) -> ir.FloatingValue:
    """The unit price of a line from what it cost (``price_is`` line_amount, order_amount).

    A returned line (negative quantity) has a positive unit price whether its export wrote
    the amount with or without a minus sign; a sold line with a negative amount keeps a
    negative price (a discount or an adjustment, rejected as non_positive_price).
    """
    per_unit = ibis.ifelse(quantity < 0, amount.abs() / quantity.abs(), amount / quantity)
    return ibis.ifelse(quantity == 0, amount, per_unit)
