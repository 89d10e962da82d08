"""Planted customers and their orders, guests, and the house-keeping lines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from customer_segmentation.generators.transactions.catalogue import (
    _OPEN_DAYS,
    _PREVIOUS_OPEN,
    _Catalogue,
    _key,
    _later,
    _lognormal,
    _positions,
    _rng,
    _shop_minutes,
)
from customer_segmentation.generators.transactions.lines import _basket, _Lines, _Orders, _returns
from customer_segmentation.generators.transactions.spec import (
    _BASKET_SIGMA,
    _BLOCK_CUSTOMERS,
    _CANCEL_LOCAL,
    _CANCELLATION,
    _DISCOUNT_LOCAL,
    _EIRE,
    _GUEST_BLOCK_ORDERS,
    _GUEST_FLAG,
    _GUEST_PRODUCTS_PER_ORDER,
    _GUEST_UK_SHARE,
    _GUEST_UNITS,
    _HOUSE_FLAG,
    _KIND_PREFIX,
    _LAST_DAY,
    _LOCAL_BITS,
    _MAX_PRODUCTS_PER_ORDER,
    _MAX_RECENCY_DAYS,
    _MINUTES_PER_DAY,
    _ORIGIN_MASK,
    _PURCHASE,
    _SPECIAL,
    _STREAM_CUSTOMERS,
    _STREAM_GUESTS,
    _STREAM_HOUSE,
    _UNITS_SIGMA,
    BANK_CHARGE_RATE,
    CARRIAGE_RATE,
    COUNTRIES,
    DEFAULT_GROUPS,
    DEFAULT_OVERLAP,
    DISCOUNT_RATE,
    DOTCOM_POSTAGE_RATE,
    FREE_GIFT_RATE,
    GUEST_FREE_GIFT_RATE,
    GUEST_RETURN_RATE,
    HOUSE_LINES,
    MANUAL_RATE,
    POSTAGE_RATE,
    PROFILES,
    SEGMENTS,
    SegmentProfile,
)


# ---- planted customers -------------------------------------------------------------------
def planted_profiles(groups: int = DEFAULT_GROUPS) -> tuple[SegmentProfile, ...]:
    """The first ``groups`` of :data:`PROFILES`, their shares renormalised to sum to 1."""
    chosen = PROFILES[:groups]
    total = sum(p.share for p in chosen)
    if total == 1.0:  # the default four: shares exactly as written
        return chosen
    return tuple(replace(p, share=p.share / total) for p in chosen)


def _profile(
    name: str, position: int | None = None, profiles: Sequence[SegmentProfile] = SEGMENTS
) -> np.ndarray:
    """One parameter of every segment, indexed by segment number."""
    values = [getattr(s, name) for s in profiles]
    return np.array([v[position] for v in values] if position is not None else values, float)


def _segments_for_block(
    rng: np.random.Generator, m: int, profiles: Sequence[SegmentProfile] = SEGMENTS
) -> np.ndarray:
    """Segments of ``m`` customers, with the planted shares exactly (largest remainder)."""
    quota = np.array([s.share for s in profiles]) * m
    counts = np.floor(quota).astype(np.int64)
    counts[np.argsort(counts - quota, kind="stable")[: m - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(profiles), dtype=np.int8), counts))


@dataclass(frozen=True)
class _IdScheme:
    """Customer ``i`` gets id ``base + i * gap + offset``, ``0 <= offset < gap``."""

    base: int
    gap: int
    width: int

    @classmethod
    def for_customers(cls, n: int) -> _IdScheme:
        """Real-looking 5-digit ids from 12346 while ``n`` fit, wider only when needed."""
        width, base = 5, 12_346
        while base + n > 10**width:
            width, base = width + 1, 10**width
        return cls(base=base, gap=max(1, min(3, (10**width - base) // n)), width=width)


@dataclass(frozen=True)
class _Customers:
    """Planted customers: numeric id, segment index and country index."""

    ids: np.ndarray
    segment: np.ndarray
    country: np.ndarray

    def take(self, n: int) -> _Customers:
        """The first ``n`` customers."""
        return _Customers(self.ids[:n], self.segment[:n], self.country[:n])


def _customer_block(
    seed: int,
    block: int,
    ids: _IdScheme,
    cat: _Catalogue,
    *,
    profiles: Sequence[SegmentProfile] = SEGMENTS,
    overlap: float = DEFAULT_OVERLAP,
) -> tuple[_Customers, _Lines]:
    """Customers ``block * _BLOCK_CUSTOMERS`` on and all their lines, from their own stream.

    ``overlap`` multiplies every customer-to-customer spread (sigma); 1.0 keeps the profiles'.
    """
    rng = _rng(seed, _STREAM_CUSTOMERS, block)
    m = _BLOCK_CUSTOMERS
    cust = block * m + np.arange(m, dtype=np.int64)
    seg = _segments_for_block(rng, m, profiles)

    def param(name: str, position: int | None = None) -> np.ndarray:
        return _profile(name, position, profiles)[seg]

    country_share = np.array([share for _, share, _ in COUNTRIES])
    country = rng.choice(len(COUNTRIES), m, p=country_share / country_share.sum()).astype(np.int8)
    customers = _Customers(ids.base + cust * ids.gap + rng.integers(0, ids.gap, m), seg, country)

    # timeline: last order, number of orders, first order
    recency = _lognormal(rng, param("recency_days", 0), param("recency_days", 1) * overlap)
    last = _PREVIOUS_OPEN[
        _LAST_DAY - np.minimum(np.rint(recency), _MAX_RECENCY_DAYS).astype(np.int64)
    ]
    n_orders = _lognormal(rng, param("orders", 0), param("orders", 1) * overlap)
    n_orders = np.clip(np.rint(n_orders), param("orders", 2), param("orders", 3)).astype(np.int64)
    active = _lognormal(rng, param("active_days", 0), param("active_days", 1) * overlap)
    active = np.where(n_orders > 1, np.clip(np.rint(active), 1, last), 0).astype(np.int64)
    first = _PREVIOUS_OPEN[last - active]

    # orders: the first and the last fixed, the others anywhere between
    owner, j = _positions(n_orders)
    u = np.where(j == 0, 0.0, np.where(j == n_orders[owner] - 1, 1.0, rng.random(len(owner))))
    day = _PREVIOUS_OPEN[first[owner] + np.rint(u * (last - first)[owner]).astype(np.int64)]
    minute = _shop_minutes(rng, len(owner))
    origin = (cust[owner] << _LOCAL_BITS) | j
    key = _key(day * _MINUTES_PER_DAY + minute, _PURCHASE, origin)

    basket = _lognormal(rng, param("products_per_order"), _BASKET_SIGMA * overlap)[owner]
    # with a wide overlap a basket can fall under one product or grow past any order
    extra = np.clip(basket - 1.0, 0.0, _MAX_PRODUCTS_PER_ORDER)
    n_products = np.minimum(1 + rng.poisson(extra), _MAX_PRODUCTS_PER_ORDER)
    units = _lognormal(rng, param("units_per_line"), _UNITS_SIGMA * overlap)[owner]
    line_order, stock, qty, cents = _basket(
        rng, cat, n_products=n_products, units=units, cents_table=cat.cents, bulk=True
    )
    products = _Lines.build(
        key[line_order],
        stock=stock,
        qty=qty,
        cents=cents,
        cust=cust[owner][line_order],
        country=country[owner][line_order],
    )
    orders = _Orders(
        key=key,
        day=day,
        minute=minute,
        first_line=np.cumsum(n_products) - n_products,
        n_products=n_products,
        cust=cust[owner],
        country=country[owner],
        products=products,
    )
    returned = np.flatnonzero(rng.random(len(owner)) < param("return_rate")[owner])
    parts = [
        products,
        *_order_extras(rng, cat, orders),
        _returns(
            rng,
            orders,
            returned,
            (cust[owner][returned] << _LOCAL_BITS) | (_CANCEL_LOCAL + j[returned]),
        ),
        _discounts(rng, orders, j),
    ]
    return customers, _Lines.concat(parts)


def _order_extras(rng: np.random.Generator, cat: _Catalogue, orders: _Orders) -> list[_Lines]:
    """Lines added to customers' orders: postage, carriage, bank charges, manual, gifts."""
    n = len(orders.key)
    postage = np.array([pence for _, _, pence in COUNTRIES])[orders.country]
    abroad = orders.country != 0
    # each rule: which orders get the line, stock code, quantity, price in pence
    rules = (
        (
            (postage > 0) & (rng.random(n) < POSTAGE_RATE),
            "POST",
            1 + (rng.random(n) < 0.25) + (rng.random(n) < 0.1),
            postage,
        ),
        ((orders.country == _EIRE) & (rng.random(n) < CARRIAGE_RATE), "C2", 1, 5_000),
        (abroad & (rng.random(n) < BANK_CHARGE_RATE), "BANK CHARGES", 1, 1_500),
        (
            rng.random(n) < MANUAL_RATE,
            "M",
            1,
            np.maximum(np.rint(_lognormal(rng, 250.0, 1.2, n)), 1),
        ),
    )
    parts = []
    for chosen, code, qty, cents in rules:
        take = np.flatnonzero(chosen)
        parts.append(
            _Lines.build(
                orders.key[take],
                stock=_SPECIAL[code],
                qty=np.broadcast_to(qty, n)[take],
                cents=np.broadcast_to(cents, n)[take],
                cust=orders.cust[take],
                country=orders.country[take],
            )
        )
    gift = np.flatnonzero(rng.random(n) < FREE_GIFT_RATE)
    parts.append(
        _Lines.build(
            orders.key[gift],
            stock=cat.sample(rng, len(gift)),
            qty=rng.choice(np.array([1, 2, 6, 12]), len(gift)),
            cents=0,
            cust=orders.cust[gift],
            country=orders.country[gift],
        )
    )
    return parts


def _discounts(rng: np.random.Generator, orders: _Orders, j: np.ndarray) -> _Lines:
    """A C invoice with one D (discount) line after a few orders."""
    given = np.flatnonzero(rng.random(len(orders.key)) < DISCOUNT_RATE)
    day, minute = _later(rng, orders.day[given], orders.minute[given])
    origin = (orders.cust[given] << _LOCAL_BITS) | (_DISCOUNT_LOCAL + j[given])
    return _Lines.build(
        _key(day * _MINUTES_PER_DAY + minute, _CANCELLATION, origin),
        stock=_SPECIAL["D"],
        qty=-1,
        cents=np.maximum(np.rint(_lognormal(rng, 1_000.0, 0.8, len(given))), 1),
        cust=orders.cust[given],
        country=orders.country[given],
    )


# ---- guests and house-keeping ------------------------------------------------------------
def _guest_block(seed: int, block: int, cat: _Catalogue) -> _Lines:
    """Orders ``block * _GUEST_BLOCK_ORDERS`` on of guests, from their own stream."""
    rng = _rng(seed, _STREAM_GUESTS, block)
    n = _GUEST_BLOCK_ORDERS
    origin = _GUEST_FLAG | (block * n + np.arange(n, dtype=np.int64))
    day = _OPEN_DAYS[rng.integers(0, len(_OPEN_DAYS), n)]
    minute = _shop_minutes(rng, n)
    key = _key(day * _MINUTES_PER_DAY + minute, _PURCHASE, origin)
    foreign_share = np.array([share for _, share, _ in COUNTRIES[1:]])
    foreign = 1 + rng.choice(len(foreign_share), n, p=foreign_share / foreign_share.sum())
    country = np.where(rng.random(n) < _GUEST_UK_SHARE, 0, foreign)

    n_products = np.minimum(
        1 + rng.poisson(_GUEST_PRODUCTS_PER_ORDER - 1, n), _MAX_PRODUCTS_PER_ORDER
    )
    line_order, stock, qty, cents = _basket(
        rng,
        cat,
        n_products=n_products,
        units=np.full(n, _GUEST_UNITS),
        cents_table=cat.retail_cents,
        bulk=False,
    )
    products = _Lines.build(
        key[line_order], stock=stock, qty=qty, cents=cents, cust=-1, country=country[line_order]
    )
    orders = _Orders(
        key=key,
        day=day,
        minute=minute,
        first_line=np.cumsum(n_products) - n_products,
        n_products=n_products,
        cust=-1,
        country=country,
        products=products,
    )
    dot = np.flatnonzero(rng.random(n) < DOTCOM_POSTAGE_RATE)
    gift = np.flatnonzero(rng.random(n) < GUEST_FREE_GIFT_RATE)
    returned = np.flatnonzero(rng.random(n) < GUEST_RETURN_RATE)
    return _Lines.concat(
        [
            products,
            _Lines.build(
                key[dot],
                stock=_SPECIAL["DOT"],
                qty=1,
                cents=np.rint(_lognormal(rng, 2_000.0, 0.9, len(dot))),
                cust=-1,
                country=country[dot],
            ),
            _Lines.build(
                key[gift],
                stock=cat.sample(rng, len(gift)),
                qty=1,
                cents=0,
                cust=-1,
                country=country[gift],
            ),
            _returns(rng, orders, returned, origin[returned]),
        ]
    )


def _guest_lines(seed: int, n_lines: int, cat: _Catalogue) -> _Lines:
    """Exactly ``n_lines`` lines of guests' orders."""
    parts: list[_Lines] = []
    made = 0
    block = 0
    while made < n_lines:
        lines = _guest_block(seed, block, cat)
        # whole orders (with their DOT line and return), so the cut at the end splits one only
        by_order = np.argsort(lines.key & _ORIGIN_MASK, kind="stable")
        keep = min(len(lines), n_lines - made)
        parts.append(lines.take(by_order[:keep]))
        made += keep
        block += 1
    return (
        _Lines.concat(parts)
        if parts
        else _Lines.build(np.array([], np.int64), stock=0, qty=0, cents=0, cust=-1, country=0)
    )


def _house_lines(seed: int, n_lines: int, customers: _Customers) -> _Lines:
    """Rare book-keeping lines (fees, adjustments, bad debt, test product), one per invoice."""
    rng = _rng(seed, _STREAM_HOUSE)
    parts = []
    serial = 0
    for house in HOUSE_LINES:
        n = max(house.minimum, round(house.per_million_lines * n_lines / 1_000_000))
        day = _OPEN_DAYS[rng.integers(0, len(_OPEN_DAYS), n)]
        minute = day * _MINUTES_PER_DAY + _shop_minutes(rng, n)
        if house.with_customer:
            cust = rng.integers(0, len(customers.ids), n)
            country = customers.country[cust]
        else:
            cust, country = np.full(n, -1), np.zeros(n, dtype=np.int8)
        pence = np.maximum(
            np.rint(_lognormal(rng, house.median_pounds * 100, house.price_sigma, n)), 1
        )
        origin = _HOUSE_FLAG | (serial + np.arange(n, dtype=np.int64))
        serial += n
        parts.append(
            _Lines.build(
                _key(minute, _KIND_PREFIX.index(house.prefix), origin),
                stock=_SPECIAL[house.code],
                qty=house.quantity,
                cents=house.price_sign * pence,
                cust=cust,
                country=country,
            )
        )
    return _Lines.concat(parts)
