"""Invoice lines in compact numeric form: baskets and returns of orders."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np

from customer_segmentation.generators.transactions.catalogue import (
    _Catalogue,
    _distinct_within,
    _key,
    _later,
    _positions,
    _snap,
)
from customer_segmentation.generators.transactions.spec import (
    _CANCELLATION,
    _MINUTES_PER_DAY,
    _PACK_SIZES,
    _QTY_NOISE,
)


@dataclass
class _Lines:
    """Invoice lines as compact numeric columns; text is made only when writing."""

    key: np.ndarray  # int64 invoice key, see _key
    stock: np.ndarray  # int16 catalogue index
    qty: np.ndarray  # int32
    cents: np.ndarray  # int32 unit price in pence
    cust: np.ndarray  # int32 customer index, -1 for none
    country: np.ndarray  # int8 index into COUNTRIES

    @classmethod
    def build(
        cls,
        key: np.ndarray,
        *,
        stock: np.ndarray | int,
        qty: np.ndarray | int,
        cents: np.ndarray | int,
        cust: np.ndarray | int,
        country: np.ndarray | int,
    ) -> _Lines:
        """Lines with the compact dtypes; scalars apply to every line."""
        n = len(key)
        return cls(
            key=np.asarray(key, dtype=np.int64),
            stock=np.broadcast_to(stock, n).astype(np.int16),
            qty=np.broadcast_to(qty, n).astype(np.int32),
            cents=np.broadcast_to(cents, n).astype(np.int32),
            cust=np.broadcast_to(cust, n).astype(np.int32),
            country=np.broadcast_to(country, n).astype(np.int8),
        )

    @classmethod
    def concat(cls, parts: Sequence[_Lines]) -> _Lines:
        """All parts, in order."""
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))

    def take(self, index: np.ndarray) -> _Lines:
        """The lines at ``index``."""
        return _Lines(*(getattr(self, f.name)[index] for f in fields(self)))

    def __len__(self) -> int:
        return len(self.key)


@dataclass(frozen=True)
class _Orders:
    """Purchase orders and their product lines, as far as returns need them."""

    key: np.ndarray
    day: np.ndarray
    minute: np.ndarray  # of the day
    first_line: np.ndarray  # index of the order's first product line
    n_products: np.ndarray
    cust: np.ndarray | int
    country: np.ndarray
    products: _Lines  # all product lines, order by order


def _basket(
    rng: np.random.Generator,
    cat: _Catalogue,
    *,
    n_products: np.ndarray,
    units: np.ndarray,
    cents_table: np.ndarray,
    bulk: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Product lines of orders: (order of each line, stock, quantity, unit price in pence)."""
    order, _ = _positions(n_products)
    stock = _distinct_within(order, cat.sample(rng, len(order)))
    noise = np.exp(rng.normal(0.0, _QTY_NOISE, len(order)))
    qty = _snap(units[order] * cat.units_factor(stock) * noise, _PACK_SIZES)
    cents = cents_table[stock]
    if bulk:
        cents = np.where(qty >= cat.bulk_units[stock], cat.bulk_cents[stock], cents)
    return order, stock, qty, cents


def _returns(
    rng: np.random.Generator, orders: _Orders, returned: np.ndarray, origin: np.ndarray
) -> _Lines:
    """Cancellation invoices: 1-3 products of each returned order, negative quantities."""
    day, minute = _later(rng, orders.day[returned], orders.minute[returned])
    key = _key(day * _MINUTES_PER_DAY + minute, _CANCELLATION, origin)
    n_products = orders.n_products[returned]
    wanted = 1 + (rng.random(len(returned)) < 0.3) + (rng.random(len(returned)) < 0.1)
    which, t = _positions(np.minimum(wanted, n_products))
    offset = rng.integers(0, n_products)
    # consecutive products from a random start: distinct without a per-order loop
    source = orders.first_line[returned][which] + (offset[which] + t) % n_products[which]
    bought = orders.products.qty[source].astype(np.int64)
    partial = np.maximum(np.ceil(bought * rng.random(len(source))), 1)
    back = np.where(rng.random(len(source)) < 0.7, bought, partial)
    return _Lines.build(
        key[which],
        stock=orders.products.stock[source],
        qty=-back,
        cents=orders.products.cents[source],
        cust=np.broadcast_to(orders.cust, len(orders.key))[returned][which],
        country=orders.country[returned][which],
    )
