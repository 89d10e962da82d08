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
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file
from customer_segmentation.pipelines.feature_engineering.nodes import check_snapshot_date
from customer_segmentation.pipelines.model_selection.params import ModelSelectionParams

from .params import STRFTIME_FIELDS, STRFTIME_TOKEN, CleaningParams, ColumnMapping, ParsingParams

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
#: Columns parsed from text; a value that does not parse is ``unparseable_<column>``.
PARSED_COLUMNS = ("invoice_date", "quantity", "price")

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


def _strip(text: ir.StringValue) -> ir.StringValue:
    """``text.strip()``, computed only for text that starts or ends with whitespace.

    Stripping copies every string, which on millions of lines costs more than parsing.
    The whitespace Ibis strips (``string.whitespace``) all has code points <= 32, so
    testing the first and last characters first gives the same result.
    """
    edge = (text.ascii_str() <= 32) | (text.right(1).ascii_str() <= 32)
    return ibis.ifelse(edge, text.strip(), text)


def _strftime_to_regex(date_format: str) -> tuple[str, list[str]]:
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


def _parse_timestamp(text: ir.StringValue, date_format: str | None) -> ir.TimestampValue:
    """Parse text to a timestamp, null where it does not parse (never an error).

    With a format, the fields are pulled out by regex and re-assembled as ISO text, so
    impossible dates (31 February) become null too, identically on every backend.
    """
    text = _strip(text)
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


def _parse_number(text: ir.StringValue, parsing: ParsingParams) -> ir.FloatingValue:
    """Parse text to a float with the configured separators, null where it does not parse."""
    text = _strip(text)
    if parsing.thousands_separator:
        text = text.replace(parsing.thousands_separator, "")
    if parsing.decimal_separator != ".":
        text = text.replace(parsing.decimal_separator, ".")
    return text.try_cast("float64")


def parse_transactions(mapped_transactions: ir.Table, parsing: ParsingParams) -> ir.Table:
    """Add typed columns (``*_value``) next to the text ones and a normalised customer id.

    Fails when more than ``max_unparseable_share`` of a column's non-empty values do not
    parse (a wrong date format or separator); below that, those lines are rejected later.
    """
    source, columns = _mapped_columns(mapped_transactions)
    customer = _strip(columns["customer_id"])
    if parsing.strip_customer_id_decimals:
        # Spreadsheet exports turn integer ids into floats ("13085.0"); the regex only runs
        # on ids with a dot (it is the costliest expression per line otherwise).
        customer = ibis.ifelse(customer.contains("."), customer.re_replace(r"\.0+$", ""), customer)
    typed = _typed_sources(columns, parsing)
    values = {
        "invoice_date": _parse_timestamp(columns["invoice_date"], parsing.date_format),
        "quantity": _parse_number(columns["quantity"], parsing),
        "price": _parse_number(columns["price"], parsing),
    } | typed
    parsed = source.select(
        **columns,
        **{f"{column}_value": values[column] for column in PARSED_COLUMNS},
        customer_id_value=customer.nullif(""),
    )
    _check_parse_failures(parsed, parsing, [c for c in PARSED_COLUMNS if c not in typed])
    return parsed


def _mapped_columns(mapped: ir.Table) -> tuple[ir.Table, dict[str, ir.Value]]:
    """The table ``map_columns`` selected from, and the expression of each canonical column.

    Parsing builds on these instead of on the mapped table, so that it can see when a text
    column is only a typed column cast to text (see :func:`_typed_sources`).
    """
    op = mapped.op()
    if isinstance(op, ops.Project):
        return op.parent.to_expr(), {name: value.to_expr() for name, value in op.values.items()}
    return mapped, {name: mapped[name] for name in mapped.columns}


def _typed_sources(columns: dict[str, ir.Value], parsing: ParsingParams) -> dict[str, ir.Value]:
    """Parsed values taken straight from typed source columns (e.g. Parquet numbers).

    ``map_columns`` casts every column to text so rejected lines keep what the export
    said; parsing that text back gives exactly the typed value, so the round trip (the
    costliest part of parsing on large Parquet files) is skipped. Only where the result
    is the same: numbers with the default separators, timestamps without a time zone and
    without a date format.
    """
    default_separators = not parsing.thousands_separator and parsing.decimal_separator == "."
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
            target, exact = "float64", dtype.is_numeric() and default_separators
        if exact:
            typed[column] = op.arg.to_expr().cast(target)
    return typed


def _missing(value: ir.Value) -> ir.BooleanValue:
    """No usable value: null, or a NaN or infinite number ("nan"/"inf" text, or in a Parquet file).

    Spark's ``isnull`` already counts NaN as missing, DuckDB's does not: testing NaN here
    gives every line the same outcome on both engines. An infinite price or quantity would
    make every sum it enters infinite, so it is no more usable than text.
    """
    if not value.type().is_floating():
        return value.isnull()
    return value.isnull() | value.isnan() | value.isinf()


def _unparseable(parsed: ir.Table, column: str) -> ir.BooleanValue:
    """A value was given (not empty) but did not parse."""
    # value first: it is rarely missing, so the engine seldom needs the text test
    return _missing(parsed[f"{column}_value"]) & _strip(parsed[column]).nullif("").notnull()


def _check_parse_failures(
    parsed: ir.Table, parsing: ParsingParams, text_columns: list[str]
) -> None:
    """Raise when a column mostly fails to parse; log how many lines will be rejected.

    Only ``text_columns`` can fail (typed sources always parse); one query counts them all.
    """
    failed = {column: _unparseable(parsed, column) for column in text_columns}
    counts = parsed.aggregate(
        lines=parsed.count(),
        **{f"{column}_failed": parsed.count(where=flag) for column, flag in failed.items()},
    ).execute()
    lines = int(counts["lines"].iloc[0])
    limit = parsing.max_unparseable_share
    for column in text_columns:
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


def label_transactions(parsed_transactions: ir.Table, cleaning: CleaningParams) -> ir.Table:
    """Give every line the first cleaning rule it breaks as ``reason`` (null = keep).

    Rules run in a fixed order and each can be switched off in parameters. Cancellations
    (invoice prefix or negative quantity) are kept and flagged ``is_return``: they feed the
    return rate and net revenue, not the order count. The last rule, exact copies of a line
    (``duplicate_line``), is the only one that compares lines: see :func:`_label_copies`.
    """
    if not cleaning.drop_duplicates:
        return _apply_rules(parsed_transactions, cleaning)
    return _label_copies(parsed_transactions, cleaning)


def _apply_rules(parsed: ir.Table, cleaning: CleaningParams) -> ir.Table:
    """``parsed`` with ``reason`` (the first line-level rule broken) and ``is_return``."""
    t = parsed
    invoice = _strip(t.invoice)
    is_return = t.quantity_value < 0
    if prefix := cleaning.cancellation_prefix:
        is_return = is_return | invoice.startswith(prefix).fill_null(False)

    _, columns = _mapped_columns(t)
    rules: list[tuple[str, ir.BooleanValue]] = [
        (f"unparseable_{column}", _unparseable(t, column))
        for column in PARSED_COLUMNS
        if not _is_typed_value(columns, column)
    ]
    rules.append(("missing_invoice_date", t.invoice_date_value.isnull()))
    rules.append(
        ("missing_quantity_or_price", _missing(t.quantity_value) | _missing(t.price_value))
    )
    if cleaning.drop_missing_customer:
        rules.append(("missing_customer_id", t.customer_id_value.isnull()))
    if codes := cleaning.non_product_codes:
        code = _strip(t.stock_code).upper()
        # An array literal, not isin: DuckDB turns a long IN list into a join that unpacks
        # the Parquet dictionary of the column; the array test works on it directly.
        listed = ibis.literal([c.upper() for c in codes], type="array<string>")
        rules.append(("non_product_code", listed.contains(code)))
    if cleaning.drop_zero_quantity:
        rules.append(("zero_quantity", t.quantity_value == 0))
    if cleaning.drop_non_positive_price:
        rules.append(("non_positive_price", t.price_value <= 0))
    if (max_quantity := cleaning.max_abs_quantity) is not None:
        rules.append(("quantity_above_max", t.quantity_value.abs() > max_quantity))

    # A null condition does not match in a CASE (no fill_null needed), and a bare AND lets
    # the engine skip the later tests on lines the first one already decides.
    reason = ibis.cases(*((condition, name) for name, condition in rules))
    return t.mutate(reason=reason, is_return=is_return.fill_null(False))


def _is_typed_value(columns: dict[str, ir.Value], column: str) -> bool:
    """Whether ``<column>_value`` is the typed source itself, so it cannot fail to parse.

    Leaving that rule out also spares the engine turning the column into text on every
    line just to test it.
    """
    value, typed = columns[f"{column}_value"].op(), _untyped(columns[column]).op()
    if typed == columns[column].op():
        return False  # a text source: parsed from text
    return value == typed or (isinstance(value, ops.Cast) and value.arg == typed)


def _label_copies(parsed: ir.Table, cleaning: CleaningParams) -> ir.Table:
    """Apply the rules, then label exact copies of a line ``duplicate_line``; one stays.

    Copies (all raw text columns equal) break the same earlier rules, so only copies of
    an otherwise clean line are relabelled, and which copy stays does not matter.

    Why not one window over every line, partitioned by its eight text columns: it sorts
    the whole input, the slowest step on millions of lines. Lines are grouped by a hash
    of those columns instead (one pass, no parsing), and only lines whose hash occurs
    more than once (the copies, plus the rare hash collision) are parsed, labelled and
    put through the exact window. Both results are small and materialised once on the
    engine (``cache``: a temporary table on DuckDB, a persisted DataFrame on Spark), so
    the checks and the two writes that follow read the input once each and sort nothing.
    """
    # Filter under the parsing (on the table map_columns selected from), so the
    # engine parses only the lines each branch keeps.
    source, columns = _mapped_columns(parsed)
    text = list(CANONICAL_COLUMNS)
    line_hash = ibis.struct({c: _untyped(columns[c]) for c in text}).hash()
    repeated = (
        source.group_by(_line_hash=line_hash)
        .aggregate(_copies=source.count())
        .filter(lambda t: t._copies > 1)
        .select("_line_hash")
    )
    repeated = _materialise(repeated)
    in_repeated = line_hash.isin(repeated._line_hash)
    candidates = _apply_rules(source.filter(in_repeated).select(**columns), cleaning)
    copy_number = ibis.row_number().over(group_by=text, order_by=text)
    copies = (
        candidates.mutate(
            reason=ibis.ifelse(
                candidates.reason.isnull() & (copy_number > 0), "duplicate_line", candidates.reason
            )
        )
        # a window returns rows in any order: sorted, the copies do not vary from run to run
        .order_by([*text, ibis.desc("reason")])
    )
    copies = _materialise(copies)
    unique = _apply_rules(source.filter(~in_repeated).select(**columns), cleaning)
    # the engine may report a stored type more precisely (timestamp(6)); union needs equal
    return unique.union(copies.cast(unique.schema()))


def _materialise(table: ir.Table) -> ir.Table:
    """Compute a (small) table once, where the rest of the run can read it.

    On the input's engine (``cache``: a temporary table on DuckDB, a persisted DataFrame
    on Spark). Input that came from pandas has no engine of its own (it is registered on
    whichever connection runs a query), so its result becomes an in-memory table too.
    """
    if table.op().find(ops.DatabaseTable):
        return table.cache()
    return ibis.memtable(table.to_pyarrow())


def _untyped(text: ir.Value) -> ir.Value:
    """The typed column behind ``text`` when it is only that column cast to text.

    Equal texts come from equal values (a number's text is a function of the number;
    both engines hash every NaN alike), so hashing the value finds the same copies, and
    it saves turning every number into text just to hash it.
    """
    op = text.op()
    return op.arg.to_expr() if isinstance(op, ops.Cast) and op.to.is_string() else text


def split_transactions(
    labelled_transactions: ir.Table,
    model_selection: ModelSelectionParams,
    snapshot_date: str | None,
) -> tuple[ir.Table, ir.Table]:
    """Split labelled lines into clean (typed) and rejected (as the export had them).

    Clean lines carry their line revenue (negative for returns). A line without an invoice
    id (or an export without that column) counts as one order per customer and day. Stops
    before anything is written when no line survives the cleaning rules, when fewer
    customers have an order than the largest K the model selection will try
    (``model_selection.k_range.max``), or when ``snapshot_date``
    (``feature_engineering.snapshot_date``) is not after the last clean invoice — the
    earliest point at which each is known.

    ``snapshot_date`` comes as configured (ISO text or null; Kedro passes an untyped
    parameter as text), the way :func:`resolve_snapshot_date` reads it.
    """
    k_max = model_selection.k_range.max
    t = labelled_transactions
    kept = t.filter(t.reason.isnull())
    counts = _kept_counts(kept.limit(CHECK_SAMPLE_LINES))
    if counts["lines"] == CHECK_SAMPLE_LINES and counts["customers"] < k_max:
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
    if customers < k_max:
        raise InputValidationError(
            f"only {customers} customer(s) have an order, fewer than the largest number of "
            f"segments to try (K={k_max})",
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
    clean = kept.select(
        invoice=_strip(kept.invoice)
        .nullif("")
        .fill_null(kept.customer_id_value + "@" + kept.invoice_date_value.date().cast("string")),
        stock_code=_strip(kept.stock_code).nullif(""),
        description=_strip(kept.description),
        quantity=kept.quantity_value,
        invoice_date=kept.invoice_date_value,
        price=kept.price_value,
        customer_id=kept.customer_id_value,
        country=_strip(kept.country),
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
