"""Nodes of the ``data_processing`` pipeline, written against Ibis tables.

The same expressions run on DuckDB (the default), Spark or a warehouse: only the catalog
changes. Every line of the raw input ends up either in ``clean_transactions`` or in
``rejected_transactions`` with the first rule it broke as ``reason``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file

logger = logging.getLogger(__name__)

RAW_DATASET = "raw_transactions"
PARAMS_FILE = "parameters_data_processing.yml"
CATALOG_FILE = "catalog.yml"

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
#: Columns without which a line cannot be used at all; the others may be mapped to null.
REQUIRED_COLUMNS = ("customer_id", "invoice_date", "quantity", "price")
#: Columns parsed from text; a value that does not parse is ``unparseable_<column>``.
PARSED_COLUMNS = ("invoice_date", "quantity", "price")

_STRFTIME_FIELDS = {"Y": ("year", 4), "m": ("month", 2), "d": ("day", 2)}
_STRFTIME_FIELDS |= {"H": ("hour", 2), "M": ("minute", 2), "S": ("second", 2)}


RawInput = ir.Table | pd.DataFrame | dict[str, pd.DataFrame]


def as_table(raw_transactions: RawInput) -> ir.Table:
    """The raw input as an Ibis table, whatever dataset type the catalog used.

    Ibis datasets give a table; pandas datasets a frame; a workbook read with
    ``sheet_name: null`` a frame per sheet, stacked here (Online Retail II ships one sheet
    per year). Frames are handed to Ibis as text, like a CSV read with ``all_varchar``.
    """
    if isinstance(raw_transactions, ir.Table):
        return raw_transactions
    if isinstance(raw_transactions, dict):
        sheets = list(raw_transactions.items())
        first_name, first = sheets[0]
        for name, sheet in sheets[1:]:
            if list(sheet.columns) != list(first.columns):
                raise InputValidationError(
                    f"sheet '{name}' has columns {list(sheet.columns)} but sheet "
                    f"'{first_name}' has {list(first.columns)}; stacked sheets must match",
                    f"list only matching sheets under load_args.sheet_name of '{RAW_DATASET}' "
                    f"in {config_file(CATALOG_FILE)}",
                    dataset=RAW_DATASET,
                )
        raw_transactions = pd.concat([sheet for _, sheet in sheets], ignore_index=True)
    frame = raw_transactions.astype("string")
    return ibis.memtable(frame, schema={column: "string" for column in frame.columns})


def map_columns(raw_transactions: RawInput, column_mapping: dict[str, str | None]) -> ir.Table:
    """Rename the user's columns to canonical names, as text, and refuse an empty input.

    Values are cast to text so that the rejected lines keep exactly what the export said,
    whatever the source format typed them as. Optional columns mapped to ``null`` become
    null text columns.
    """
    raw_transactions = as_table(raw_transactions)
    if raw_transactions.count().execute() == 0:
        raise InputValidationError(
            "the input has no data rows (empty file or header only)",
            f"point the '{RAW_DATASET}' entry in {config_file(CATALOG_FILE)} at a file with data",
            dataset=RAW_DATASET,
        )
    unknown = sorted(set(column_mapping) - set(CANONICAL_COLUMNS))
    if unknown:
        raise InputValidationError(
            f"unknown canonical column(s) {unknown}; expected keys {list(CANONICAL_COLUMNS)}",
            f"rename the key(s) under data_processing.column_mapping in {config_file(PARAMS_FILE)}",
            parameter="data_processing.column_mapping",
        )
    for column in REQUIRED_COLUMNS:
        if not column_mapping.get(column):
            raise InputValidationError(
                "a required column is not mapped",
                f"set data_processing.column_mapping.{column} in {config_file(PARAMS_FILE)} to the "
                "name of that column in your export",
                parameter=f"data_processing.column_mapping.{column}",
            )
    present = list(raw_transactions.columns)
    for canonical, source in column_mapping.items():
        if source is not None and source not in present:
            raise InputValidationError(
                f"mapped column for '{canonical}' not found; columns present: {present}",
                f"set data_processing.column_mapping.{canonical} in {config_file(PARAMS_FILE)} to one of "
                "the columns present, or check the file and separator in the catalog entry",
                dataset=RAW_DATASET,
                column=source,
            )
    return raw_transactions.select(
        **{
            canonical: (
                raw_transactions[source].cast("string")
                if (source := column_mapping.get(canonical))
                else ibis.null("string")
            )
            for canonical in CANONICAL_COLUMNS
        }
    )


def _strftime_to_regex(date_format: str) -> tuple[str, list[str]]:
    """Translate a strftime format into an anchored regex and the field of each group.

    Only numeric directives are supported (%Y %m %d %H %M %S); two directives with no
    separator between them (``%Y%m%d``) take fixed widths.
    """
    tokens = re.findall(r"%[A-Za-z%]|[^%]+", date_format)
    pattern, fields = "^", []
    for position, token in enumerate(tokens):
        if token.startswith("%") and token != "%%":
            directive = token[1]
            if directive not in _STRFTIME_FIELDS:
                raise InputValidationError(
                    f"unsupported directive {token} in date format '{date_format}'",
                    "use only %Y %m %d %H %M %S and literal separators, or null for ISO dates",
                    parameter="data_processing.parsing.date_format",
                )
            field, width = _STRFTIME_FIELDS[directive]
            next_is_directive = position + 1 < len(tokens) and tokens[position + 1][0] == "%"
            pattern += rf"(\d{{{width}}})" if next_is_directive else rf"(\d{{1,{width}}})"
            fields.append(field)
        else:
            pattern += re.escape("%" if token == "%%" else token)
    return pattern + "$", fields


def _parse_timestamp(text: ir.StringValue, date_format: str | None) -> ir.TimestampValue:
    """Parse text to a timestamp, null where it does not parse (never an error).

    With a format, the fields are pulled out by regex and re-assembled as ISO text, so
    impossible dates (31 February) become null too, identically on every backend.
    """
    text = text.strip()
    if not date_format:
        return text.try_cast("timestamp")
    pattern, fields = _strftime_to_regex(date_format)

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


def _parse_number(text: ir.StringValue, parsing: dict[str, Any]) -> ir.FloatingValue:
    """Parse text to a float with the configured separators, null where it does not parse."""
    text = text.strip()
    if parsing.get("thousands_separator"):
        text = text.replace(parsing["thousands_separator"], "")
    if parsing.get("decimal_separator", ".") != ".":
        text = text.replace(parsing["decimal_separator"], ".")
    return text.try_cast("float64")


def parse_transactions(mapped_transactions: ir.Table, parsing: dict[str, Any]) -> ir.Table:
    """Add typed columns (``*_value``) next to the text ones and a normalised customer id.

    Fails when more than ``max_unparseable_share`` of a column's non-empty values do not
    parse (a wrong date format or separator); below that, those lines are rejected later.
    """
    t = mapped_transactions
    customer = t.customer_id.strip()
    if parsing.get("strip_customer_id_decimals", True):
        # Spreadsheet exports turn integer ids into floats ("13085.0").
        customer = customer.re_replace(r"\.0+$", "")
    parsed = t.mutate(
        invoice_date_value=_parse_timestamp(t.invoice_date, parsing.get("date_format")),
        quantity_value=_parse_number(t.quantity, parsing),
        price_value=_parse_number(t.price, parsing),
        customer_id_value=customer.nullif(""),
    )
    _check_parse_failures(parsed, parsing)
    return parsed


def _unparseable(parsed: ir.Table, column: str) -> ir.BooleanValue:
    """A value was given (not empty) but did not parse."""
    return parsed[column].strip().nullif("").notnull() & parsed[f"{column}_value"].isnull()


def _check_parse_failures(parsed: ir.Table, parsing: dict[str, Any]) -> None:
    """Raise when a column mostly fails to parse; log how many lines will be rejected."""
    failed = {column: _unparseable(parsed, column) for column in PARSED_COLUMNS}
    counts = parsed.aggregate(
        lines=parsed.count(),
        **{f"{column}_failed": flag.sum() for column, flag in failed.items()},
    ).execute()
    lines = int(counts["lines"].iloc[0])
    limit = float(parsing.get("max_unparseable_share", 0.0))
    for column in PARSED_COLUMNS:
        n_failed = int(counts[f"{column}_failed"].iloc[0] or 0)
        if n_failed == 0:
            continue
        share = n_failed / lines
        if share > limit:
            examples = (
                parsed.filter(failed[column])
                .select(column)
                .distinct()
                .order_by(column)
                .limit(3)
                .execute()[column]
                .tolist()
            )
            hint = (
                "set data_processing.parsing.date_format (strftime, e.g. '%d/%m/%Y %H:%M')"
                if column == "invoice_date"
                else "set data_processing.parsing.decimal_separator / thousands_separator"
            )
            raise InputValidationError(
                f"{n_failed} of {lines} values ({share:.1%}) do not parse, e.g. {examples}; "
                f"at most {limit:.1%} may (max_unparseable_share)",
                f"{hint} in {config_file(PARAMS_FILE)}, or map the right column",
                dataset=RAW_DATASET,
                column=column,
            )
        logger.warning(
            "%s: %d line(s) with an unparseable %s go to rejected_transactions",
            RAW_DATASET,
            n_failed,
            column,
        )


def label_transactions(parsed_transactions: ir.Table, cleaning: dict[str, Any]) -> ir.Table:
    """Give every line the first cleaning rule it breaks as ``reason`` (null = keep).

    Rules run in a fixed order and each can be switched off in parameters. Cancellations
    (invoice prefix or negative quantity) are kept and flagged ``is_return``: they feed the
    return rate and net revenue, not the order count.
    """
    t = parsed_transactions
    invoice = t.invoice.strip()
    is_return = t.quantity_value < 0
    if prefix := cleaning.get("cancellation_prefix"):
        is_return = is_return | invoice.startswith(prefix).fill_null(False)

    rules: list[tuple[str, ir.BooleanValue]] = [
        (f"unparseable_{column}", _unparseable(t, column)) for column in PARSED_COLUMNS
    ]
    rules.append(("missing_invoice_date", t.invoice_date_value.isnull()))
    rules.append(("missing_quantity_or_price", t.quantity_value.isnull() | t.price_value.isnull()))
    if cleaning.get("drop_missing_customer", True):
        rules.append(("missing_customer_id", t.customer_id_value.isnull()))
    if codes := cleaning.get("non_product_codes"):
        code = t.stock_code.strip().upper()
        rules.append(("non_product_code", code.isin([str(c).upper() for c in codes])))
    if cleaning.get("drop_zero_quantity", True):
        rules.append(("zero_quantity", t.quantity_value == 0))
    if cleaning.get("drop_non_positive_price", True):
        rules.append(("non_positive_price", t.price_value <= 0))
    if (max_quantity := cleaning.get("max_abs_quantity")) is not None:
        rules.append(("quantity_above_max", t.quantity_value.abs() > max_quantity))
    if cleaning.get("drop_duplicates", True):
        # Exact copies of a line (all raw columns equal): the first one stays.
        copy_number = ibis.row_number().over(
            group_by=list(CANONICAL_COLUMNS), order_by=list(CANONICAL_COLUMNS)
        )
        rules.append(("duplicate_line", copy_number > 0))

    reason = ibis.cases(*((condition.fill_null(False), name) for name, condition in rules))
    return t.mutate(reason=reason, is_return=is_return.fill_null(False))


def split_transactions(
    labelled_transactions: ir.Table, k_range: dict[str, int]
) -> tuple[ir.Table, ir.Table]:
    """Split labelled lines into clean (typed) and rejected (as the export had them).

    Clean lines carry their line revenue (negative for returns). A line without an invoice
    id (or an export without that column) counts as one order per customer and day. Stops
    before anything is written when no line survives the cleaning rules, or when fewer
    customers have an order than the largest K the model selection will try (``k_range``)
    — the earliest point at which that is known.
    """
    t = labelled_transactions
    kept = t.filter(t.reason.isnull())
    counts = kept.aggregate(
        lines=kept.count(),
        customers=kept.customer_id_value.nunique(where=~kept.is_return),
    ).execute()
    if int(counts["lines"].iloc[0]) == 0:
        by_reason = t.group_by("reason").aggregate(lines=t.count()).execute()
        raise InputValidationError(
            f"every line was rejected ({dict(zip(by_reason.reason, by_reason.lines))})",
            f"check data_processing.column_mapping, parsing and cleaning in "
            f"{config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
        )
    customers = int(counts["customers"].iloc[0])
    if customers < k_range["max"]:
        raise InputValidationError(
            f"only {customers} customer(s) have an order, fewer than the largest number of "
            f"segments to try (K={k_range['max']})",
            f"lower model_selection.k_range.max in "
            f"{config_file('parameters_model_selection.yml')}, or load more data",
            dataset=RAW_DATASET,
            parameter="model_selection.k_range",
        )
    clean = kept.select(
        invoice=kept.invoice.strip()
        .nullif("")
        .fill_null(kept.customer_id_value + "@" + kept.invoice_date_value.date().cast("string")),
        stock_code=kept.stock_code.strip().nullif(""),
        description=kept.description.strip(),
        quantity=kept.quantity_value,
        invoice_date=kept.invoice_date_value,
        price=kept.price_value,
        customer_id=kept.customer_id_value,
        country=kept.country.strip(),
        is_return=kept.is_return,
        # a cancellation takes revenue back even if its export forgot the minus sign
        line_revenue=ibis.ifelse(
            kept.is_return,
            -(kept.quantity_value.abs() * kept.price_value),
            kept.quantity_value * kept.price_value,
        ),
    )
    rejected = t.filter(t.reason.notnull()).select(*CANONICAL_COLUMNS, "reason")
    return clean, rejected


def summarise_data_quality(
    raw_transactions: RawInput,
    clean_transactions: ir.Table,
    rejected_transactions: ir.Table,
) -> dict[str, Any]:
    """Count lines per outcome from the written datasets, and check that none was lost.

    Reads back what was saved, so the check covers the write too: raw = clean + rejected.
    """
    raw_lines = int(as_table(raw_transactions).count().execute())
    clean = clean_transactions.aggregate(
        lines=clean_transactions.count(),
        return_lines=clean_transactions.is_return.sum(),
        customers=clean_transactions.customer_id.nunique(),
        first_invoice=clean_transactions.invoice_date.min(),
        last_invoice=clean_transactions.invoice_date.max(),
    ).execute()
    by_reason = (
        rejected_transactions.group_by("reason")
        .aggregate(lines=rejected_transactions.count())
        .order_by([ibis.desc("lines"), "reason"])
        .execute()
    )
    clean_lines = int(clean["lines"].iloc[0])
    rejected_lines = int(by_reason["lines"].sum())
    if raw_lines != clean_lines + rejected_lines:
        raise RuntimeError(
            f"{RAW_DATASET}: {raw_lines} raw lines but {clean_lines} clean + {rejected_lines} "
            "rejected were written; lines were lost or duplicated between the two datasets"
        )

    def iso(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    summary = {
        "dataset": RAW_DATASET,
        "raw_lines": raw_lines,
        "clean_lines": clean_lines,
        "rejected_lines": rejected_lines,
        "rejected_share": round(rejected_lines / raw_lines, 6),
        "rejected_by_reason": {r: int(n) for r, n in zip(by_reason.reason, by_reason.lines)},
        "return_lines": int(clean["return_lines"].iloc[0] or 0),
        "customers": int(clean["customers"].iloc[0]),
        "first_invoice": iso(clean["first_invoice"].iloc[0]),
        "last_invoice": iso(clean["last_invoice"].iloc[0]),
    }
    logger.info(
        "%s: %d lines -> %d clean + %d rejected %s",
        RAW_DATASET,
        raw_lines,
        clean_lines,
        rejected_lines,
        summary["rejected_by_reason"],
    )
    return summary
