"""Random streams, shop time and invoice keys, and the product catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from customer_segmentation.generators.transactions.spec import (
    _BULK_DISCOUNT,
    _CLOSE_MINUTE,
    _DESCRIPTION_FORMATS,
    _GUEST_MARKUP,
    _ITEMS,
    _LAST_DAY,
    _N_PRODUCTS,
    _OPEN_MINUTE,
    _PATTERNS,
    _PREFIXES,
    _PRICE_ELASTICITY,
    _PRICE_POINTS,
    _REFERENCE_PENCE,
    _RETURN_DELAY_DAYS,
    _STREAM_CATALOGUE,
    _TAIL_SIGMAS,
    NON_PRODUCT_CODES,
    SPECIAL_ITEMS,
    WINDOW_START,
)


# ---- small helpers -----------------------------------------------------------------------
def _rng(seed: int, *stream: int) -> np.random.Generator:
    """An independent random stream for one part of the file."""
    return np.random.default_rng([seed, *stream])


def _lognormal(
    rng: np.random.Generator,
    median: np.ndarray | float,
    sigma: np.ndarray | float,
    size: int | None = None,
) -> np.ndarray:
    """Log-normal draws from medians (one per median unless ``size``), tails cut."""
    median = np.asarray(median, dtype=np.float64)
    z = rng.normal(0.0, 1.0, median.shape if size is None else size)
    # one customer four sigmas out would belong to no planted group
    return median * np.exp(np.asarray(sigma) * np.clip(z, -_TAIL_SIGMAS, _TAIL_SIGMAS))


def _snap(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Each value moved to the nearest grid point on a log scale."""
    bounds = np.sqrt(grid[:-1].astype(np.float64) * grid[1:])
    return grid[np.searchsorted(bounds, values)]


def _positions(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For consecutive groups of ``counts`` items: each item's group and place in it."""
    group = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(len(group)) - starts[group]


def _shop_minutes(rng: np.random.Generator, n: int) -> np.ndarray:
    """Minutes after midnight, busiest around lunch, inside opening hours."""
    minute = np.rint(rng.normal(12.5 * 60, 2.2 * 60, n))
    outside = (minute < _OPEN_MINUTE) | (minute >= _CLOSE_MINUTE)
    return np.where(outside, rng.integers(_OPEN_MINUTE, _CLOSE_MINUTE, n), minute).astype(np.int64)


def _trading_days() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Trading days of the window, and each day's previous and next trading day."""
    dates = WINDOW_START + np.arange(_LAST_DAY + 1)
    weekday = (dates.astype(np.int64) + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    month_start = dates.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    day = (dates - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    christmas = ((month == 12) & (day >= 24)) | ((month == 1) & (day <= 3))
    is_open = (weekday != 5) & ~christmas  # the real shop never traded on a Saturday
    index = np.arange(_LAST_DAY + 1)
    previous = np.maximum.accumulate(np.where(is_open, index, -1))
    following = np.minimum.accumulate(np.where(is_open, index, _LAST_DAY)[::-1])[::-1]
    return np.flatnonzero(is_open), previous, following


_OPEN_DAYS, _PREVIOUS_OPEN, _NEXT_OPEN = _trading_days()


def _key(minute: np.ndarray, kind: int, origin: np.ndarray) -> np.ndarray:
    """Invoice key: absolute minute (21 bits), prefix kind (2 bits), unique origin (40 bits)."""
    return (np.asarray(minute, dtype=np.int64) << 42) | (kind << 40) | origin.astype(np.int64)


def _later(
    rng: np.random.Generator, day: np.ndarray, minute: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A trading day and minute after each given one: when goods come back."""
    delay = np.floor(rng.exponential(_RETURN_DELAY_DAYS, len(day))).astype(np.int64)
    later_day = _NEXT_OPEN[np.minimum(day + delay, _LAST_DAY)]
    later_minute = _shop_minutes(rng, len(day))
    # a same-day return comes after the purchase, by closing time
    after = minute + 1 + np.floor(rng.random(len(day)) * (_CLOSE_MINUTE - minute)).astype(np.int64)
    same_day = later_day == day
    return later_day, np.where(same_day, np.minimum(after, _CLOSE_MINUTE), later_minute)


# ---- the catalogue -----------------------------------------------------------------------
@dataclass(frozen=True)
class _Catalogue:
    """Stock codes, descriptions and prices (pence): special items first, then products."""

    codes: np.ndarray
    descriptions: np.ndarray
    csv_descriptions: np.ndarray  # quoted where CSV needs it
    cents: np.ndarray  # trade price
    bulk_cents: np.ndarray
    bulk_units: np.ndarray  # from this quantity on, the bulk price applies
    retail_cents: np.ndarray
    cumulative_popularity: np.ndarray  # over products only

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` product indices, popular products more often."""
        draws = np.searchsorted(self.cumulative_popularity, rng.random(n), side="right")
        return (len(SPECIAL_ITEMS) + draws).astype(np.int16)

    def units_factor(self, stock: np.ndarray) -> np.ndarray:
        """Relative units bought: fewer of dear products, more of cheap ones."""
        return (_REFERENCE_PENCE / self.cents[stock]) ** _PRICE_ELASTICITY


def _csv_field(text: str) -> str:
    """A CSV field, quoted only when it has to be."""
    if any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _product_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct upper-case product names, some with commas."""
    shares = np.cumsum([share for share, _ in _DESCRIPTION_FORMATS])
    names: dict[str, None] = {}  # insertion-ordered set
    while len(names) < n:
        size = 2 * n
        pattern = rng.integers(0, len(_PATTERNS), size).tolist()
        item = rng.integers(0, len(_ITEMS), size).tolist()
        prefix = rng.integers(0, len(_PREFIXES), size).tolist()
        form = np.searchsorted(shares, rng.random(size) * shares[-1], side="right").tolist()
        for p, i, x, f in zip(pattern, item, prefix, form, strict=True):
            template = _DESCRIPTION_FORMATS[f][1]
            names.setdefault(
                template.format(prefix=_PREFIXES[x], pattern=_PATTERNS[p], item=_ITEMS[i])
            )
            if len(names) == n:
                break
    return list(names)


def _catalogue(seed: int) -> _Catalogue:
    """The shop's products: codes like 85123A, Zipf-like popularity, real-looking prices."""
    rng = _rng(seed, _STREAM_CATALOGUE)
    numbers = rng.choice(np.arange(20_000, 90_000), _N_PRODUCTS, replace=False).tolist()
    letters = "ABCDEFGHIJKLMNOPQRSTUVW"
    suffix = np.where(rng.random(_N_PRODUCTS) < 0.15, rng.integers(0, 23, _N_PRODUCTS), -1)
    codes = [f"{n}{letters[s] if s >= 0 else ''}" for n, s in zip(numbers, suffix, strict=True)]
    names = _product_names(rng, _N_PRODUCTS)
    cents = _snap(np.exp(rng.normal(np.log(_REFERENCE_PENCE), 0.8, _N_PRODUCTS)), _PRICE_POINTS)
    bulk_units = rng.choice(np.array([24, 48, 96, 1_000_000]), _N_PRODUCTS)
    weight = 1.0 / (rng.permutation(_N_PRODUCTS) + 5.0)
    cumulative = np.cumsum(weight / weight.sum())
    cumulative[-1] = 1.0
    none = np.zeros(len(SPECIAL_ITEMS), dtype=np.int64)
    all_names = [text for _, text in SPECIAL_ITEMS] + names
    return _Catalogue(
        codes=np.array(list(NON_PRODUCT_CODES) + codes, dtype=object),
        descriptions=np.array(all_names, dtype=object),
        csv_descriptions=np.array([_csv_field(t) for t in all_names], dtype=object),
        cents=np.concatenate([none, cents]),
        bulk_cents=np.concatenate([none, np.maximum(np.rint(cents * _BULK_DISCOUNT), 1)]),
        bulk_units=np.concatenate([none + 1_000_000, bulk_units]),
        retail_cents=np.concatenate([none, np.rint(cents * _GUEST_MARKUP)]).astype(np.int64),
        cumulative_popularity=cumulative,
    )


def _distinct_within(order: np.ndarray, stock: np.ndarray) -> np.ndarray:
    """Products made unique inside each order, so that only planted duplicates are copies."""
    stock = stock.copy()
    first = len(SPECIAL_ITEMS)
    while True:
        by_order = np.lexsort((stock, order))
        o, s = order[by_order], stock[by_order]
        clash = by_order[1:][(o[1:] == o[:-1]) & (s[1:] == s[:-1])]
        if not len(clash):
            return stock
        stock[clash] = first + (stock[clash] - first + 1) % _N_PRODUCTS
