"""Labelling: every parsed line gets the first cleaning rule it breaks as ``reason``.

The line-level rules run in a fixed order (:func:`_apply_rules`); exact copies of a line
are found last, on the customer id as parsing normalised it (:func:`_label_copies`).
"""

from __future__ import annotations

import functools
import inspect

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.operations as ops
import ibis.expr.types as ir

from .checks import IMPLAUSIBLE_RULES, missing, unparseable
from .params import CleaningParams
from .parsing import CANONICAL_COLUMNS, PARSED_COLUMNS, mapped_columns, strip

#: Customer id of a line without one, when such lines are kept (``drop_missing_customer``).
GUEST_PREFIX = "guest:"


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
    """``parsed`` with ``reason`` (the first line-level rule broken) and ``is_return``.

    With ``drop_missing_customer: false`` a line without a customer id becomes a one-off
    guest of its invoice (``guest:<invoice>``); only a line without either is rejected.
    """
    t = parsed
    invoice = strip(t.invoice)
    is_return = t.quantity_value < 0
    if prefix := cleaning.cancellation_prefix:
        is_return = is_return | invoice.startswith(prefix).fill_null(False)
    customer = t.customer_id_value
    if not cleaning.drop_missing_customer:
        customer = customer.fill_null(GUEST_PREFIX + t.invoice_value)

    _, columns = mapped_columns(t)
    rules: list[tuple[str, ir.BooleanValue]] = [
        (f"unparseable_{column}", unparseable(t, column))
        for column in PARSED_COLUMNS
        if not _is_typed_value(columns, column)
    ]
    rules.append(("missing_invoice_date", t.invoice_date_value.isnull()))
    rules.append(("missing_quantity_or_price", missing(t.quantity_value) | missing(t.price_value)))
    # implausible_date, line_revenue_above_max: decided (and counted) by parsing
    rules += [(name, t[name]) for name in IMPLAUSIBLE_RULES]
    rules.append(("missing_customer_id", customer.isnull()))
    if codes := cleaning.non_product_codes:
        code = strip(t.stock_code).upper()
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
    guests = {} if cleaning.drop_missing_customer else {"customer_id_value": customer}
    return t.mutate(**guests, reason=reason, is_return=is_return.fill_null(False))


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

    Copies (all raw text columns equal, the customer id once normalised) break the same
    earlier rules, so only copies of an otherwise clean line are relabelled, and which copy
    stays does not matter.

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
    source, columns = mapped_columns(parsed)
    text = list(CANONICAL_COLUMNS)
    # ids as normalised by parsing ("12769.0", "12769\u00a0" and "12769" are one id)
    keys = [c for c in text if c != "customer_id"] + ["customer_id_value"]
    line_hash = _line_hash(source, [_untyped(columns[c]) for c in keys])
    repeated = (
        source.group_by(_line_hash=line_hash)
        .aggregate(_copies=source.count())
        .filter(lambda t: t._copies > 1)
        .select("_line_hash")
    )
    repeated = _materialise(repeated)
    in_repeated = line_hash.isin(repeated._line_hash)
    candidates = _apply_rules(source.filter(in_repeated).select(**columns), cleaning)
    copy_number = ibis.row_number().over(group_by=keys, order_by=text)
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


def _line_hash(source: ir.Table, values: list[ir.Value]) -> ir.IntegerValue:
    """One hash of ``values`` per line: equal values, equal hash (collisions are rare).

    Ibis's portable hash takes one value, so several are packed into a struct first, and
    on DuckDB it turns the unsigned result into a signed one through a bit string: on 10M
    lines, in each of the four passes that hash every line, that costs more than the hash.
    DuckDB's own ``hash`` takes the values as they are; other engines keep the portable one.
    """
    if source._find_backend(use_default=True).name == "duckdb":
        return _duckdb_hash(len(values))(*values)
    return ibis.struct({f"v{i}": value for i, value in enumerate(values)}).hash()


@functools.cache
def _duckdb_hash(arity: int):
    """DuckDB's ``hash(v0, ..., vN)`` as an Ibis builtin function of ``arity`` values."""

    def hash(*values): ...  # noqa: A001 (the engine's function of that name)

    hash.__signature__ = inspect.Signature(
        [inspect.Parameter(f"v{i}", inspect.Parameter.POSITIONAL_ONLY) for i in range(arity)]
    )
    return ibis.udf.scalar.builtin(hash, signature=((None,) * arity, dt.uint64))


def _untyped(text: ir.Value) -> ir.Value:
    """The typed column behind ``text`` when it is only that column cast to text.

    Equal texts come from equal values (a number's text is a function of the number;
    both engines hash every NaN alike), so hashing the value finds the same copies, and
    it saves turning every number into text just to hash it.
    """
    op = text.op()
    return op.arg.to_expr() if isinstance(op, ops.Cast) and op.to.is_string() else text
