"""Nodes of the ``data_processing`` pipeline, written against Ibis tables.

The same expressions run on DuckDB (the default), Spark or a warehouse: only the catalog
changes. Every line of the raw input ends up either in ``clean_transactions`` or in
``rejected_transactions`` with the first rule it broke as ``reason``.
"""

from __future__ import annotations

import logging
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.snapshot import check_snapshot_date

from .checks import (
    IMPLAUSIBLE_RULES,
    RAW_DATASET,
    DateWindow,
    check_order_amounts,
    check_parsed,
    implausible,
)
from .labelling import label_transactions
from .params import ColumnMapping, ParsingParams, PlausibilityParams
from .parsing import (
    CANONICAL_COLUMNS,
    PARSED_COLUMNS,
    customer_id,
    mapped_columns,
    missing_as_null,
    order_amounts,
    order_key,
    parse_number,
    parse_timestamp,
    strip,
    unit_price,
)

__all__ = [
    "CANONICAL_COLUMNS",
    "as_table",
    "label_transactions",
    "map_columns",
    "parse_transactions",
    "split_transactions",
    "summarise_data_quality",
]

logger = logging.getLogger(__name__)

PARAMS_FILE = "parameters_data_processing.yml"
CATALOG_FILE = "catalog.yml"

#: Kept lines that the checks before writing look at first. They stop at the first lines
#: that settle them (some line kept, enough customers), so a large input is not read
#: once more just to check it; all lines are counted only when these do not settle it.
CHECK_SAMPLE_LINES = 100_000

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


def map_columns(raw_transactions: RawInput, column_mapping: ColumnMapping) -> ir.Table:
    """Rename the user's columns to canonical names, as text, and refuse an empty input.

    Values are cast to text so that the rejected lines keep exactly what the export said,
    whatever the source format typed them as. Optional columns mapped to ``null`` become
    null text columns. (The mapping itself, known keys and required columns set, was
    checked with the parameters; here it is compared with the columns of the data.)
    """
    raw_transactions = as_table(raw_transactions)
    # limit(1): one row answers the question; a full count would scan a large CSV.
    if raw_transactions.limit(1).count().execute() == 0:
        raise InputValidationError(
            "the input has no data rows (empty file or header only)",
            f"point the '{RAW_DATASET}' entry in {config_file(CATALOG_FILE)} at a file with data",
            dataset=RAW_DATASET,
        )
    sources: dict[str, str | None] = {c: getattr(column_mapping, c) for c in CANONICAL_COLUMNS}
    present = list(raw_transactions.columns)
    for canonical, source in sources.items():
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
                if (source := sources[canonical]) is not None
                else ibis.null("string")
            )
            for canonical in CANONICAL_COLUMNS
        }
    )


def parse_transactions(
    mapped_transactions: ir.Table,
    parsing: ParsingParams,
    plausibility: PlausibilityParams | None = None,
    snapshot_date: str | None = None,
) -> ir.Table:
    """Add typed columns (``*_value``), normalised ids and the plausibility flags.

    Stops before anything is written (see :func:`.checks.check_parsed`) when more than
    ``max_unparseable_share`` of a column's values do not parse (a wrong date format or
    separator), when separators contradict the data, when ISO dates carry UTC offsets that
    ``parsing.utc_offsets`` refuses, and, with ``plausibility``, when more than its
    ``max_share`` of the lines are dated outside the plausible window (before
    ``earliest_date``, after ``latest_date`` or the run's day, on or after
    ``snapshot_date`` (``feature_engineering.snapshot_date``)) or have a line revenue above
    ``max_line_revenue``. Below those shares the lines are rejected later, with a warning.
    """
    source, columns = mapped_columns(mapped_transactions)
    typed = _typed_sources(columns, parsing)
    values = {
        "invoice_date": parse_timestamp(
            columns["invoice_date"], parsing.date_format, parsing.utc_offsets
        ),
        "quantity": parse_number(columns["quantity"], parsing),
        "price": parse_number(columns["price"], parsing),
    } | typed
    customer = customer_id(columns["customer_id"], parsing)
    invoice = missing_as_null(columns["invoice"], parsing.missing_id_values)
    amount, order_amount = ibis.null("float64"), None
    if parsing.price_is != "unit_price":
        # the export's "price" is what the line (or its whole order) cost; the unit price
        # is derived from it
        amount, quantity = values["price"], values["quantity"]
        if parsing.price_is == "order_amount":
            order_amount = amount = order_amounts(
                amount, columns["price"], order_key(invoice, customer, values["invoice_date"])
            )
        values["price"] = unit_price(amount, quantity)
    window = None if plausibility is None else DateWindow.of(plausibility, snapshot_date)
    flags = (
        {name: ibis.literal(False) for name in IMPLAUSIBLE_RULES}
        if plausibility is None or window is None
        else implausible(
            values["invoice_date"], values["quantity"], values["price"], plausibility, window
        )
    )
    parsed = source.select(
        **columns,
        **{f"{column}_value": values[column] for column in PARSED_COLUMNS},
        customer_id_value=customer,
        # "nan" as an invoice id is no order: such lines fall back to customer and day
        invoice_value=invoice,
        line_amount_value=ibis.null("float64") if order_amount is not None else amount,
        **({} if order_amount is None else {"order_amount_value": order_amount}),
        **flags,
    )
    text_columns = [c for c in PARSED_COLUMNS if c not in typed]
    check_parsed(parsed, parsing, text_columns, plausibility, window)
    if order_amount is not None:
        check_order_amounts(parsed)
    return parsed


def _typed_sources(columns: dict[str, ir.Value], parsing: ParsingParams) -> dict[str, ir.Value]:
    """Parsed values taken straight from typed source columns (e.g. Parquet numbers).

    ``map_columns`` casts every column to text so rejected lines keep what the export
    said; parsing that text back gives exactly the typed value, so the round trip (the
    costliest part of parsing on large Parquet files) is skipped. A typed number has no
    separators, so the separator settings (meant for text) never apply to it; a timestamp
    is taken as it is when it has no time zone and no date format is set.
    """
    typed: dict[str, ir.Value] = {}
    for column in PARSED_COLUMNS:
        op = columns[column].op()
        if not (isinstance(op, ops.Cast) and op.to.is_string()):
            continue  # a text source: parsed from its text
        dtype = op.arg.dtype
        if column == "invoice_date":
            target, exact = "timestamp", dtype.is_timestamp() and dtype.timezone is None
            exact = exact and not parsing.date_format
        else:
            target, exact = "float64", dtype.is_numeric()
        if exact:
            typed[column] = op.arg.to_expr().cast(target)
    return typed


def split_transactions(
    labelled_transactions: ir.Table,
    largest_k: int,
    snapshot_date: str | None,
) -> tuple[ir.Table, ir.Table]:
    """Split labelled lines into clean (typed) and rejected (as the export had them).

    Clean lines carry their line revenue (negative for returns). A line without an invoice
    id (or an export without that column) counts as one order per customer and day. Stops
    before anything is written when no line survives the cleaning rules, when no more
    customers have an order than the largest K the model selection will try
    (``largest_k``, ``model_selection.k_range.max``; a silhouette needs more customers than segments), or when ``snapshot_date``
    (``feature_engineering.snapshot_date``) is not after the last clean invoice — the
    earliest point at which each is known.

    ``snapshot_date`` comes as configured (ISO text or null; Kedro passes an untyped
    parameter as text) and checked by :func:`customer_segmentation.snapshot.check_snapshot_date`,
    as feature_engineering checks it.
    """
    k_max = largest_k
    t = labelled_transactions
    kept = t.filter(t.reason.isnull())
    counts = _kept_counts(kept.limit(CHECK_SAMPLE_LINES))
    if counts["lines"] == CHECK_SAMPLE_LINES and counts["customers"] <= k_max:
        counts = _kept_counts(kept)  # the first lines were not enough to decide
    if counts["lines"] == 0:
        by_reason = t.group_by("reason").aggregate(lines=t.count()).execute()
        raise InputValidationError(
            f"every line was rejected ({dict(zip(by_reason.reason, by_reason.lines))})",
            f"check data_processing.column_mapping, parsing and cleaning in "
            f"{config_file(PARAMS_FILE)}",
            dataset=RAW_DATASET,
        )
    customers = counts["customers"]
    if customers <= k_max:
        # a silhouette needs more customers than segments, so K = k_max needs k_max + 1
        raise InputValidationError(
            f"only {customers} customer(s) have an order; trying up to K={k_max} segments "
            f"needs at least {k_max + 1}",
            f"lower model_selection.k_range.max in "
            f"{config_file('parameters_model_selection.yml')}, or load more data",
            dataset=RAW_DATASET,
            parameter="model_selection.k_range",
        )
    if snapshot_date is not None:
        # feature_engineering would refuse it after clean_transactions is written; the
        # last invoice is only read when a snapshot is set (the default needs no check)
        last_invoice = kept.invoice_date_value.max().execute()
        check_snapshot_date(snapshot_date, pd.Timestamp(last_invoice).date())
    order = order_key(kept.invoice_value, kept.customer_id_value, kept.invoice_date_value)
    amount = kept.line_amount_value
    if "order_amount_value" in kept.columns:
        # price_is: order_amount: the order's total is shared by its kept lines, so the
        # order counts once whatever number of lines carried it
        amount = kept.order_amount_value / kept.is_return.count().over(group_by=order)
    clean = kept.select(
        invoice=order,
        stock_code=strip(kept.stock_code).nullif(""),
        description=strip(kept.description),
        quantity=kept.quantity_value,
        invoice_date=kept.invoice_date_value,
        # an order total is no unit price: each line's share of it per unit
        price=kept.price_value
        if "order_amount_value" not in kept.columns
        else unit_price(amount, kept.quantity_value),
        customer_id=kept.customer_id_value,
        country=strip(kept.country),
        is_return=kept.is_return,
        # a cancellation takes revenue back even if its export forgot the minus sign; an
        # export of line amounts gives the revenue itself (exact, not quantity x unit price)
        line_revenue=ibis.ifelse(
            kept.is_return,
            -amount.abs().fill_null(kept.quantity_value.abs() * kept.price_value),
            amount.fill_null(kept.quantity_value * kept.price_value),
        ),
    )
    rejected = t.filter(t.reason.notnull()).select(*CANONICAL_COLUMNS, "reason")
    return clean, rejected


def _kept_counts(kept: ir.Table) -> dict[str, int]:
    """Lines and distinct ordering customers among ``kept`` lines."""
    counts = kept.aggregate(
        lines=kept.count(),
        customers=kept.customer_id_value.nunique(where=~kept.is_return),
    ).execute()
    return {name: int(counts[name].iloc[0] or 0) for name in ("lines", "customers")}


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
