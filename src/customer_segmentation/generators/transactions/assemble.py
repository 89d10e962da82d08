"""The whole file in compact form: arguments checked, blocks joined, sorted and numbered."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from customer_segmentation.errors import InputValidationError
from customer_segmentation.generators.transactions.catalogue import _Catalogue, _catalogue, _rng
from customer_segmentation.generators.transactions.customers import (
    _customer_block,
    _Customers,
    _guest_lines,
    _house_lines,
    _IdScheme,
    planted_profiles,
)
from customer_segmentation.generators.transactions.lines import _Lines
from customer_segmentation.generators.transactions.spec import (
    _BLOCK_CUSTOMERS,
    _STREAM_DUPLICATES,
    DEFAULT_GROUPS,
    DEFAULT_OVERLAP,
    DUPLICATE_SHARE,
    GUEST_LINE_SHARE,
    HOUSE_LINES,
    LINES_PER_CUSTOMER,
    MAX_GROUPS,
    MIN_GROUPS,
    MIN_LINES,
    SEGMENTS,
    SegmentProfile,
)


@dataclass(frozen=True)
class _Generated:
    """A whole file in compact form, with its line order and invoice numbers."""

    lines: _Lines
    order: np.ndarray  # per output line: its index in ``lines`` (duplicates repeat one)
    invoice_rank: np.ndarray  # per output line: rank of its invoice in time
    invoice_start: int
    customers: _Customers
    customer_text: np.ndarray  # id text per customer, then None for "no customer"
    catalogue: _Catalogue
    segment_names: tuple[str, ...]  # by segment index

    def __len__(self) -> int:
        return len(self.order)


def _invoice_start(n_invoices: int) -> int:
    """First invoice number: 489434 like the export, lower or 7 digits only when needed."""
    if n_invoices <= 1_000_000 - 489_434:
        return 489_434
    if n_invoices <= 900_000:
        return 1_000_000 - n_invoices
    width = 7
    while 10 ** (width - 1) + n_invoices > 10**width:
        width += 1
    return 10 ** (width - 1)


def _check_arguments(
    n_lines: int,
    seed: int,
    chunk_customers: int,
    groups: int = DEFAULT_GROUPS,
    overlap: float = DEFAULT_OVERLAP,
) -> None:
    """Fail early, naming the bad argument."""

    def is_int(value: object) -> bool:
        return isinstance(value, int | np.integer) and not isinstance(value, bool)

    if not is_int(n_lines) or n_lines < MIN_LINES:
        raise InputValidationError(
            f"n_lines must be an integer of at least {MIN_LINES}, got {n_lines!r}",
            f"ask for {MIN_LINES} lines or more (about {LINES_PER_CUSTOMER} per customer)",
            parameter="n_lines",
        )
    if not is_int(seed) or seed < 0:
        raise InputValidationError(
            f"seed must be a non-negative integer, got {seed!r}",
            "pass a seed such as 42",
            parameter="seed",
        )
    if not is_int(chunk_customers) or chunk_customers < 1:
        raise InputValidationError(
            f"chunk_customers must be a positive integer, got {chunk_customers!r}",
            "pass a chunk size such as 50000",
            parameter="chunk_customers",
        )
    if not is_int(groups) or not MIN_GROUPS <= groups <= MAX_GROUPS:
        raise InputValidationError(
            f"groups must be an integer from {MIN_GROUPS} to {MAX_GROUPS}, got {groups!r}",
            f"pass the number of planted groups, {MIN_GROUPS} to {MAX_GROUPS} "
            f"(default {DEFAULT_GROUPS})",
            parameter="groups",
        )
    is_number = isinstance(overlap, int | float | np.integer | np.floating)
    if not is_number or isinstance(overlap, bool) or not 0 < overlap < float("inf"):
        raise InputValidationError(
            f"overlap must be a finite number above 0, got {overlap!r}",
            "pass 1.0 for the default spread, more (e.g. 1.5) for overlapping groups, "
            "less (e.g. 0.7) for cleaner ones",
            parameter="overlap",
        )


def _planted_customers(
    seed: int,
    budget: int,
    chunk_customers: int,
    cat: _Catalogue,
    *,
    profiles: Sequence[SegmentProfile] = SEGMENTS,
    overlap: float = DEFAULT_OVERLAP,
) -> tuple[_Customers, _Lines, _IdScheme]:
    """Customers in id order until their lines would pass ``budget``, with all their lines."""
    # ids are laid out for more customers than expected, so they never run out of digits
    ids = _IdScheme.for_customers(
        int(1.5 * budget / (LINES_PER_CUSTOMER * (1 - GUEST_LINE_SHARE))) + 1
    )
    blocks_per_chunk = max(1, chunk_customers // _BLOCK_CUSTOMERS)
    customers: list[_Customers] = []
    lines: list[_Lines] = []
    used = 0
    block = 0
    while used < budget:
        for b in range(block, block + blocks_per_chunk):
            block_customers, block_lines = _customer_block(
                seed, b, ids, cat, profiles=profiles, overlap=overlap
            )
            first = b * _BLOCK_CUSTOMERS
            per_customer = np.bincount(block_lines.cust - first, minlength=_BLOCK_CUSTOMERS)
            fits = int(np.searchsorted(used + np.cumsum(per_customer), budget, side="right"))
            if fits < _BLOCK_CUSTOMERS:  # the budget ends inside this block
                keep = block_lines.cust < first + fits
                customers.append(block_customers.take(fits))
                lines.append(block_lines.take(np.flatnonzero(keep)))
                used = budget
                break
            customers.append(block_customers)
            lines.append(block_lines)
            used += len(block_lines)
        block += blocks_per_chunk
    merged = _Customers(
        *(np.concatenate([getattr(c, f.name) for c in customers]) for f in fields(_Customers))
    )
    return merged, _Lines.concat(lines), ids


def _generate(
    n_lines: int,
    seed: int,
    chunk_customers: int = 50_000,
    groups: int = DEFAULT_GROUPS,
    overlap: float = DEFAULT_OVERLAP,
) -> _Generated:
    """Every line of the file in compact form, in output order.

    ``chunk_customers`` only bounds the temporary memory of generation: random streams
    belong to fixed blocks of customers, so the result is the same for any chunk size.
    """
    _check_arguments(n_lines, seed, chunk_customers, groups, overlap)
    profiles = planted_profiles(groups)
    cat = _catalogue(seed)
    n_duplicates = round(DUPLICATE_SHARE * n_lines)
    n_house = sum(max(h.minimum, round(h.per_million_lines * n_lines / 1e6)) for h in HOUSE_LINES)
    budget = int(n_lines * (1 - GUEST_LINE_SHARE)) - n_duplicates - n_house
    customers, customer_lines, ids = _planted_customers(
        seed, budget, chunk_customers, cat, profiles=profiles, overlap=float(overlap)
    )
    house = _house_lines(seed, n_lines, customers)
    n_guest = n_lines - len(customer_lines) - len(house) - n_duplicates
    lines = _Lines.concat([customer_lines, _guest_lines(seed, n_guest, cat), house])
    del customer_lines

    # a duplicate sits right after its original, and the stable sort keeps it there
    copied = _rng(seed, _STREAM_DUPLICATES).choice(len(lines), n_duplicates, replace=False)
    source = np.repeat(np.arange(len(lines)), 1 + np.bincount(copied, minlength=len(lines)))
    order = source[np.argsort(lines.key[source], kind="stable")]
    del source
    sorted_key = lines.key[order]
    new_invoice = np.empty(len(order), dtype=bool)
    new_invoice[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=new_invoice[1:])
    del sorted_key
    invoice_rank = (np.cumsum(new_invoice) - 1).astype(np.int32)
    text = [f"{i:0{ids.width}d}" for i in customers.ids.tolist()]
    return _Generated(
        lines=lines,
        order=order,
        invoice_rank=invoice_rank,
        invoice_start=_invoice_start(int(invoice_rank[-1]) + 1),
        customers=customers,
        customer_text=np.array([*text, None], dtype=object),
        catalogue=cat,
        segment_names=tuple(p.name for p in profiles),
    )
