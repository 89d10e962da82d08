"""Deterministic generator of raw retail invoice lines in the Online Retail II schema.

The project ships a small default data set (``data/01_raw/transactions.csv``, 40,000 lines,
seed 42) made by this module, and the same module makes files of millions of lines for
benchmarks. Every line has the export's columns::

    Invoice, StockCode, Description, Quantity, InvoiceDate, Price, Customer ID, Country

Planted customer groups
-----------------------
Each customer (about one per 20 lines) belongs to one planted group, written to a separate
table (``customer_id``, ``segment``) so tests can measure how well a segmentation recovers
the groups. Six groups are defined, in a fixed order, with their parameters in
:data:`PROFILES`; ``groups`` (3 to 6, default 4) plants the first ``groups`` of them, their
shares renormalised to sum to 1. The default four (:data:`SEGMENTS`) have the shares shown;
``groups=3`` drops ``lapsed_buyers``, 5 and 6 add ``new_customers`` and ``bulk_wholesalers``:

``frequent_big_spenders`` (13 %)
    Recent (median 7 days since the last order), many orders (median 12), big baskets of
    wholesale quantities (order value around 500), customers for most of the two years,
    return 10 % of their orders.
``steady_regulars`` (30 %)
    Recent-ish (median 40 days), regular orders (median 5), mid order value (around 130),
    about a year of tenure, return 5 % of their orders.
``occasional_buyers`` (36 %)
    One or two small orders (around 35), moderate recency (median 80 days), short tenure,
    return 2 % of their orders.
``lapsed_buyers`` (21 %)
    Were active for a few months (median 3 orders of around 140) but last bought more than a
    year ago (median 450 days); the highest return rate (18 % of their orders).
``new_customers`` (weight 0.14: 12 % of six groups)
    First bought very recently (median 12 days ago): one order (a third of them two, about a
    week apart), so a very short tenure; small baskets (order value around 70), return 3 %.
``bulk_wholesalers`` (weight 0.06: 5 % of six groups)
    A few orders (median 3, at most 6) of very large baskets (9 products of wholesale
    quantities, order value around 3,000) over most of a year, last about two months ago;
    a small but valuable group; return 6 % of their orders.

Every single feature (recency, frequency, order value, tenure, products per order) overlaps
between groups; the groups separate only in their combination. ``overlap`` (above 0,
default 1.0) multiplies every within-group spread (the log-normal sigmas of recency, orders
and active days, and the customer-to-customer spreads of basket size and units): 1.5 makes
the groups overlap more, 0.7 makes them cleaner; the per-group limits on orders stay. The
defaults (``groups=4, overlap=1.0``) give the same bytes as before these options existed.

The mess of real exports
------------------------
On top of the planted customers' valid purchase lines the file has (rates are the module
constants below):

* guest checkouts: lines with an empty ``Customer ID`` (:data:`GUEST_LINE_SHARE` of the
  lines), belonging to no planted customer, most orders with a ``DOT`` (dotcom postage) line;
* cancellations: invoices prefixed ``C`` with negative quantities of products the customer
  bought in an earlier order, at a rate that differs by group (``return_rate``);
* zero prices (free gifts, :data:`FREE_GIFT_RATE`) and a few negative prices (``B``
  "Adjust bad debt" lines on invoices prefixed ``A``);
* exact duplicate lines (:data:`DUPLICATE_SHARE`), each right after its original;
* non-product stock codes (:data:`NON_PRODUCT_CODES`): postage for customers abroad,
  carriage to Ireland, bank charges, manual lines, discounts, Amazon fees, CRUK commission,
  adjustments, cushion pads at a penny and a test product.

Every planted customer has at least one valid purchase line (positive quantity and price, a
real product, not a duplicate).

Format and scale
----------------
Invoice numbers are 6 digits, increasing with time from 489434 like the real export; they
widen to 7 digits only for files with more than 900,000 invoices (about 3.5 million lines).
Customer IDs are 5 digits from 12346 up to about 1.1 million lines, 6 digits beyond. Dates
are ``YYYY-MM-DD HH:MM:SS`` from 2009-12-01 to 2011-12-09 in shop hours, with no trading on
Saturdays or over Christmas. Lines are sorted by date, then invoice; the line count is exact.

Customers are generated in blocks of :data:`_BLOCK_CUSTOMERS`, each block from its own random
stream (``numpy.random.default_rng([seed, stream, block])``), so a file depends only on
``(n_lines, seed, groups, overlap)``, never on how many customers are processed at a time.
Only compact numeric columns (about 25 bytes a line) are held for the whole file, because the
export is sorted by time across all customers; text is made and written a chunk of lines at
a time.

Command line::

    python -m customer_segmentation.data_generator --lines 40000 --seed 42 \\
        --output data/01_raw/transactions.csv --planted-output data/01_raw/planted_segments.csv
    python -m customer_segmentation.data_generator --lines 100000 --seed 7 --groups 6 \\
        --overlap 1.5 --output data/01_raw/transactions_100000_g6_o1.5.csv \\
        --planted-output data/01_raw/planted_segments_100000_g6_o1.5.csv
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_segmentation.errors import InputValidationError

logger = logging.getLogger(__name__)

COLUMNS = (
    "Invoice",
    "StockCode",
    "Description",
    "Quantity",
    "InvoiceDate",
    "Price",
    "Customer ID",
    "Country",
)
PLANTED_COLUMNS = ("customer_id", "segment")

DEFAULT_LINES = 40_000
DEFAULT_SEED = 42
MIN_LINES = 1_000
LINES_PER_CUSTOMER = 20  # about 500,000 customers in 10 million lines

# ---- the mess ----------------------------------------------------------------------------
GUEST_LINE_SHARE = 0.12  # lines without a Customer ID (at least this share)
DUPLICATE_SHARE = 0.01  # exact copies of other lines
FREE_GIFT_RATE = 0.015  # chance that a customer's order also has a zero-priced product line
GUEST_FREE_GIFT_RATE = 0.04
GUEST_RETURN_RATE = 0.01
DOTCOM_POSTAGE_RATE = 0.7  # guest orders with a DOT line
POSTAGE_RATE = 0.6  # orders from abroad (not Ireland) with a POST line
CARRIAGE_RATE = 0.5  # orders from Ireland with a C2 line
BANK_CHARGE_RATE = 0.02  # orders from abroad with a BANK CHARGES line
MANUAL_RATE = 0.004  # orders with an M line
DISCOUNT_RATE = 0.003  # orders later followed by a C invoice with a D (discount) line

# (stock code, description) of every line that is not a product
SPECIAL_ITEMS = (
    ("POST", "POSTAGE"),
    ("DOT", "DOTCOM POSTAGE"),
    ("M", "Manual"),
    ("BANK CHARGES", "Bank Charges"),
    ("C2", "CARRIAGE"),
    ("AMAZONFEE", "AMAZON FEE"),
    ("ADJUST", "Adjustment by john"),
    ("D", "Discount"),
    ("CRUK", "CRUK Commission"),
    ("PADS", "PADS TO MATCH ALL CUSHIONS"),
    ("TEST001", "This is a test product."),
    ("B", "Adjust bad debt"),
)
NON_PRODUCT_CODES = tuple(code for code, _ in SPECIAL_ITEMS)
_SPECIAL = {code: index for index, code in enumerate(NON_PRODUCT_CODES)}


@dataclass(frozen=True)
class HouseLine:
    """A rare book-keeping line, each on an invoice of its own."""

    code: str
    prefix: str  # of the invoice: "", "C" or "A"
    with_customer: bool  # charged to a random planted customer, else to nobody
    quantity: int
    median_pounds: float  # of the absolute unit price
    price_sign: int
    price_sigma: float  # log-normal spread of the price; 0 for a fixed price
    per_million_lines: float
    minimum: int  # even the smallest file has this many


HOUSE_LINES = (
    HouseLine("AMAZONFEE", "C", False, -1, 5_000.0, 1, 0.6, 30, 1),
    HouseLine("ADJUST", "C", True, -1, 40.0, 1, 0.6, 20, 1),
    HouseLine("ADJUST", "", True, 1, 40.0, 1, 0.6, 20, 1),
    HouseLine("CRUK", "C", True, -1, 150.0, 1, 0.6, 15, 1),
    HouseLine("TEST001", "", True, 5, 4.5, 1, 0.0, 10, 1),
    HouseLine("PADS", "", True, 1, 0.01, 1, 0.0, 15, 1),
    HouseLine("B", "A", False, 1, 5_000.0, -1, 0.6, 3, 2),
)


@dataclass(frozen=True)
class SegmentProfile:
    """How one planted group buys: log-normal medians and spreads (sigma), in natural units.

    ``share`` is the group's weight: the chosen groups' shares are renormalised to sum to 1
    (the first four already do). The sigmas are multiplied by ``overlap``.
    """

    name: str
    share: float
    recency_days: tuple[float, float]  # days from the last order to 2011-12-09
    orders: tuple[float, float, int, int]  # distinct purchase invoices: median, sigma, min, max
    active_days: tuple[float, float]  # days from the first order to the last
    products_per_order: float  # distinct products on one invoice
    units_per_line: float  # units of one product at the median price
    return_rate: float  # chance that an order is followed by a cancellation


# Every planted group, in the fixed order in which ``groups`` takes them: N groups are the
# first N. The first four are the default data's groups and must not change.
PROFILES = (
    SegmentProfile(
        name="frequent_big_spenders",
        share=0.13,
        recency_days=(7, 0.8),
        orders=(12, 0.28, 6, 60),
        active_days=(540, 0.2),
        products_per_order=4.6,
        units_per_line=48,
        return_rate=0.10,
    ),
    SegmentProfile(
        name="steady_regulars",
        share=0.30,
        recency_days=(40, 0.5),
        orders=(5, 0.28, 3, 20),
        active_days=(330, 0.35),
        products_per_order=3.4,
        units_per_line=16,
        return_rate=0.05,
    ),
    SegmentProfile(
        name="occasional_buyers",
        share=0.36,
        recency_days=(80, 0.4),
        orders=(1.2, 0.4, 1, 2),
        active_days=(30, 0.8),
        products_per_order=2.0,
        units_per_line=8,
        return_rate=0.02,
    ),
    SegmentProfile(
        name="lapsed_buyers",
        share=0.21,
        recency_days=(460, 0.18),
        orders=(3, 0.3, 2, 10),
        active_days=(150, 0.5),
        products_per_order=3.0,
        units_per_line=20,
        return_rate=0.18,
    ),
    SegmentProfile(
        name="new_customers",
        share=0.14,
        recency_days=(12, 0.5),
        orders=(1.3, 0.35, 1, 2),
        active_days=(8, 0.6),
        products_per_order=2.6,
        units_per_line=12,
        return_rate=0.03,
    ),
    SegmentProfile(
        name="bulk_wholesalers",
        share=0.06,
        recency_days=(60, 0.45),
        orders=(3, 0.25, 2, 6),
        active_days=(240, 0.35),
        products_per_order=9.0,
        units_per_line=150,
        return_rate=0.06,
    ),
)
MIN_GROUPS, MAX_GROUPS = 3, len(PROFILES)
DEFAULT_GROUPS = 4
DEFAULT_OVERLAP = 1.0
SEGMENTS = PROFILES[:DEFAULT_GROUPS]  # the default data's planted groups

# (country, share of customers, postage in pence); Ireland pays carriage (C2) instead
COUNTRIES = (
    ("United Kingdom", 0.885, 0),
    ("Germany", 0.02, 1800),
    ("France", 0.02, 1800),
    ("EIRE", 0.006, 0),
    ("Spain", 0.008, 2800),
    ("Netherlands", 0.005, 1800),
    ("Belgium", 0.006, 1500),
    ("Switzerland", 0.005, 2800),
    ("Portugal", 0.005, 2800),
    ("Australia", 0.003, 4000),
    ("Italy", 0.004, 2800),
    ("Sweden", 0.003, 4000),
    ("Norway", 0.003, 4000),
    ("Denmark", 0.002, 4000),
    ("Finland", 0.003, 4000),
    ("Austria", 0.002, 4000),
    ("Channel Islands", 0.003, 1800),
    ("Cyprus", 0.002, 4000),
    ("Japan", 0.002, 4000),
    ("USA", 0.002, 4000),
    ("Poland", 0.002, 4000),
    ("Canada", 0.001, 4000),
    ("Israel", 0.001, 4000),
)
_COUNTRY_NAMES = np.array([name for name, _, _ in COUNTRIES], dtype=object)
_EIRE = [name for name, _, _ in COUNTRIES].index("EIRE")
_GUEST_UK_SHARE = 0.96

# ---- time --------------------------------------------------------------------------------
WINDOW_START = np.datetime64("2009-12-01", "D")
WINDOW_END = np.datetime64("2011-12-09", "D")  # the real export's last trading day
_LAST_DAY = int((WINDOW_END - WINDOW_START).astype(np.int64))
_MINUTES_PER_DAY = 1440
_OPEN_MINUTE, _CLOSE_MINUTE = 7 * 60 + 30, 20 * 60
_MAX_RECENCY_DAYS = 700

# ---- sizes and spreads -------------------------------------------------------------------
_BLOCK_CUSTOMERS = 1_000  # customers per random stream: output never depends on chunking
_GUEST_BLOCK_ORDERS = 1_000
_OUT_CHUNK_LINES = 250_000  # lines made into text (and Parquet row group) at a time
_N_PRODUCTS = 1_800
_MAX_PRODUCTS_PER_ORDER = 60
_BASKET_SIGMA = 0.25  # customer-to-customer spread of products per order
_UNITS_SIGMA = 0.3  # customer-to-customer spread of units per line
_QTY_NOISE = 0.5  # line-to-line spread of units
_TAIL_SIGMAS = 2.5
_REFERENCE_PENCE = 210  # the median trade price: units_per_line is for a product this dear
_PRICE_ELASTICITY = 0.6
_GUEST_PRODUCTS_PER_ORDER = 9.0
_GUEST_UNITS = 1.5
_GUEST_MARKUP = 1.65  # guests pay retail prices, customers trade prices
_BULK_DISCOUNT = 0.85
_RETURN_DELAY_DAYS = 10.0

_STREAM_CATALOGUE, _STREAM_CUSTOMERS, _STREAM_GUESTS, _STREAM_HOUSE, _STREAM_DUPLICATES = range(5)

_PACK_SIZES = np.array(
    [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 18, 20, 24, 25, 32, 36, 48, 50, 60, 72, 96, 100, 120,
     144, 160, 192, 200, 240, 288, 300, 384, 400, 480, 500, 576, 600, 720, 960, 1200, 1440],
    dtype=np.int32,
)  # fmt: skip
_PRICE_POINTS = np.array(
    [19, 21, 29, 36, 39, 42, 55, 59, 65, 72, 79, 83, 85, 95, 125, 145, 165, 169, 195, 210,
     249, 255, 295, 325, 339, 375, 425, 495, 595, 675, 795, 850, 995, 1095, 1275, 1495, 1695,
     1995, 2495, 2995, 3995],
    dtype=np.int32,
)  # fmt: skip

# Invoice keys sort by minute, then prefix (digits < A < C, as text sorts them), then a unique
# origin; the rank of a key is its invoice number, so numbers grow with time like the export's.
_KIND_PREFIX = ("", "A", "C")
_PURCHASE, _ADJUSTMENT, _CANCELLATION = range(3)
_LOCAL_BITS = 14  # invoices per customer: purchases, their cancellations, their discounts
_CANCEL_LOCAL, _DISCOUNT_LOCAL = 1 << 12, 2 << 12
_GUEST_FLAG, _HOUSE_FLAG = 1 << 39, 1 << 38
_ORIGIN_MASK = (1 << 40) - 1

_PATTERNS = (
    "RED RETROSPOT", "WHITE HANGING HEART", "PINK POLKADOT", "BLUE POLKADOT",
    "VINTAGE UNION JACK", "REGENCY", "SPACEBOY", "DOLLY GIRL", "WOODLAND", "PANTRY", "SKULL",
    "FRENCH BLUE", "IVORY", "JAM MAKING", "LOVE BIRD", "PAISLEY PARK", "ENGLISH ROSE",
    "CHRISTMAS", "VINTAGE DOILY", "BAROQUE", "ALPHABET", "NATURAL SLATE", "HEART OF WICKER",
    "VINTAGE LEAF", "STRAWBERRY", "GREEN REGENCY", "BLACK/BLUE DOTS", "SWEETHEART",
    "FAIRY CAKE", "DINOSAUR", "CIRCUS PARADE", "RABBIT NIGHT", "SCANDINAVIAN REINDEER",
    "50'S CHRISTMAS", "AGED GLASS", "ZINC", "LAVENDER", "TOADSTOOL", "BLUE STRIPES",
    "PINK PAISLEY", "RETRO SPOT", "HOMEMADE JAM", "FLYING DUCKS", "BIRD HOUSE", "CHERRY BLOSSOM",
)  # fmt: skip
_ITEMS = (
    "LUNCH BAG", "JUMBO BAG", "T-LIGHT HOLDER", "CAKE TINS", "TEA TOWEL", "MUG",
    "CAKESTAND 3 TIER", "PLASTERS IN TIN", "SHOPPER BAG", "CHILDRENS APRON", "DOORMAT",
    "ALARM CLOCK BAKELIKE", "BUNTING", "NAPKINS", "PAPER CUPS", "PAPER PLATES", "BISCUIT TIN",
    "HOT WATER BOTTLE", "CUSHION COVER", "PHOTO FRAME", "GIFT WRAP", "STORAGE JAR",
    "NOTEBOOK", "PENCIL CASE", "PICNIC BASKET", "LANTERN", "TRINKET BOX", "CANDLE",
    "COAT RACK", "CHOPPING BOARD", "EGG CUP", "SUGAR BOWL", "MILK JUG", "TEAPOT", "PARASOL",
    "UMBRELLA", "BAKING SET", "BOWL", "PARTY BAG", "GARLAND", "WALL CLOCK", "CHALKBOARD",
    "METAL SIGN", "DRAWER KNOB", "WASHBAG", "PURSE", "BEAKER", "HANGING ORNAMENT",
    "DOOR STOP", "KEY RING", "SNACK BOXES", "WRAPPING PAPER", "CAKE CASES", "FRIDGE MAGNET",
)  # fmt: skip
_PREFIXES = ("", "", "", "", "SET OF 3 ", "SET OF 6 ", "PACK OF 12 ", "SMALL ", "LARGE ")
_DESCRIPTION_FORMATS = (
    (0.88, "{prefix}{pattern} {item}"),
    (0.08, "{prefix}{item}, {pattern} DESIGN"),
    (0.04, "{pattern} {item}, ASSORTED COLOURS"),
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


# ---- lines in compact form ---------------------------------------------------------------
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


# ---- the whole file ----------------------------------------------------------------------
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


# ---- output ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Chunk:
    """Consecutive output lines: invoice and date as text, the rest as catalogue indices."""

    invoice: np.ndarray
    invoice_date: np.ndarray
    stock: np.ndarray
    qty: np.ndarray
    cents: np.ndarray
    cust: np.ndarray  # -1 (the table's last entry) for no customer
    country: np.ndarray


def _chunk(gen: _Generated, start: int, stop: int) -> _Chunk:
    """Output lines ``start:stop``."""
    index = gen.order[start:stop]
    rank = gen.invoice_rank[start:stop]
    # invoice number and date belong to the invoice: make each text once, then repeat it
    bounds = np.concatenate([[0], np.flatnonzero(rank[1:] != rank[:-1]) + 1, [len(rank)]])
    key = gen.lines.key[index[bounds[:-1]]]
    numbers = (gen.invoice_start + rank[bounds[:-1]].astype(np.int64)).tolist()
    kinds = ((key >> 40) & 3).tolist()
    invoices = [_KIND_PREFIX[k] + str(n) for k, n in zip(kinds, numbers, strict=True)]
    stamps = WINDOW_START.astype("datetime64[m]") + (key >> 42).astype("timedelta64[m]")
    dates = [s[:10] + " " + s[11:] for s in np.datetime_as_string(stamps, unit="s").tolist()]
    repeat = np.diff(bounds)
    lines = gen.lines
    return _Chunk(
        invoice=np.repeat(np.array(invoices, dtype=object), repeat),
        invoice_date=np.repeat(np.array(dates, dtype=object), repeat),
        stock=lines.stock[index],
        qty=lines.qty[index].astype(np.int64),
        cents=lines.cents[index],
        cust=lines.cust[index],
        country=lines.country[index],
    )


def _lines_frame(gen: _Generated, chunk: _Chunk) -> pd.DataFrame:
    """Typed lines: text as strings (a missing Customer ID for guests), Price in pounds."""
    return pd.DataFrame(
        {
            "Invoice": pd.array(chunk.invoice, dtype="str"),
            "StockCode": pd.array(gen.catalogue.codes[chunk.stock], dtype="str"),
            "Description": pd.array(gen.catalogue.descriptions[chunk.stock], dtype="str"),
            "Quantity": chunk.qty,
            "InvoiceDate": pd.array(chunk.invoice_date, dtype="str"),
            "Price": chunk.cents / 100.0,
            "Customer ID": pd.array(gen.customer_text[chunk.cust], dtype="str"),
            "Country": pd.array(_COUNTRY_NAMES[chunk.country], dtype="str"),
        }
    )


def _planted_frame(gen: _Generated) -> pd.DataFrame:
    """One row per planted customer, sorted by customer_id (ids grow with the index)."""
    names = np.array(gen.segment_names, dtype=object)
    return pd.DataFrame(
        {
            "customer_id": pd.array(gen.customer_text[:-1], dtype="str"),
            "segment": pd.array(names[gen.customers.segment], dtype="str"),
        }
    )


def generate_transactions(
    n_lines: int, seed: int, groups: int = DEFAULT_GROUPS, overlap: float = DEFAULT_OVERLAP
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw invoice lines with planted customer groups, in memory.

    Args:
        n_lines: how many lines, exactly (at least :data:`MIN_LINES`). For files of millions
            of lines use :func:`write_transactions`, which streams.
        seed: the only source of randomness: the same seed gives the same data.
        groups: how many planted groups, :data:`MIN_GROUPS` to :data:`MAX_GROUPS`: the
            first ``groups`` of :data:`PROFILES` (see :func:`planted_profiles`).
        overlap: multiplies every within-group spread; 1.0 is the profiles' own, more makes
            the groups overlap more, less makes them cleaner.

    Returns:
        ``(lines, planted)``: the lines in the export's columns (:data:`COLUMNS`), sorted by
        InvoiceDate then Invoice; and one row per planted customer (``customer_id``, the
        same text as ``Customer ID``, and ``segment``), sorted by customer_id.
    """
    gen = _generate(n_lines, seed, groups=groups, overlap=overlap)
    return _lines_frame(gen, _chunk(gen, 0, len(gen))), _planted_frame(gen)


def _text_table(values: np.ndarray, render: str) -> np.ndarray:
    """``values`` rendered as text, each distinct value formatted once."""
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([render.format(v) for v in unique.tolist()], dtype=object)[inverse]


def _price_text(cents: np.ndarray) -> np.ndarray:
    """Pence as pounds with two decimals: -1106206 -> "-11062.06"."""
    unique, inverse = np.unique(cents, return_inverse=True)
    text = [f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}" for c in unique.tolist()]
    return np.array(text, dtype=object)[inverse]


def _csv_text(gen: _Generated, chunk: _Chunk, header: bool) -> str:
    """Lines as CSV: minimal quoting, ``\\n`` line ends, empty Customer ID for guests."""
    customer = gen.customer_text[chunk.cust]
    customer[chunk.cust < 0] = ""
    columns = (
        chunk.invoice,
        gen.catalogue.codes[chunk.stock],
        gen.catalogue.csv_descriptions[chunk.stock],
        _text_table(chunk.qty, "{}"),
        chunk.invoice_date,
        _price_text(chunk.cents),
        customer,
        _COUNTRY_NAMES[chunk.country],
    )
    rows = [",".join(fields) for fields in zip(*(c.tolist() for c in columns), strict=True)]
    return "".join(row + "\n" for row in ([",".join(COLUMNS)] if header else []) + rows)


_PARQUET_SCHEMA = pa.schema(
    [
        ("Invoice", pa.string()),
        ("StockCode", pa.string()),
        ("Description", pa.string()),
        ("Quantity", pa.int64()),
        ("InvoiceDate", pa.string()),  # text, as in the CSV export
        ("Price", pa.float64()),
        ("Customer ID", pa.string()),
        ("Country", pa.string()),
    ]
)


def _arrow_table(gen: _Generated, chunk: _Chunk) -> pa.Table:
    """Lines as an Arrow table with :data:`_PARQUET_SCHEMA`."""
    columns = (
        chunk.invoice,
        gen.catalogue.codes[chunk.stock],
        gen.catalogue.descriptions[chunk.stock],
        chunk.qty,
        chunk.invoice_date,
        chunk.cents / 100.0,
        gen.customer_text[chunk.cust],
        _COUNTRY_NAMES[chunk.country],
    )
    arrays = [pa.array(c, type=f.type) for c, f in zip(columns, _PARQUET_SCHEMA, strict=True)]
    return pa.Table.from_arrays(arrays, schema=_PARQUET_SCHEMA)


def _chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of consecutive chunks covering ``range(n)``."""
    for start in range(0, n, size):
        yield start, min(start + size, n)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() == ".parquet"


def _write_planted(gen: _Generated, path: Path) -> None:
    """The planted groups as CSV, or Parquet for a ``.parquet`` path."""
    planted = _planted_frame(gen)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_parquet(path):
        table = pa.table(
            {name: pa.array(planted[name].tolist(), pa.string()) for name in PLANTED_COLUMNS}
        )
        pq.write_table(table, path)
        return
    rows = [",".join(PLANTED_COLUMNS)]
    rows += [f"{c},{s}" for c, s in zip(planted["customer_id"], planted["segment"], strict=True)]
    path.write_bytes("".join(row + "\n" for row in rows).encode())


def write_transactions(
    path: str | Path,
    planted_path: str | Path,
    n_lines: int,
    seed: int,
    chunk_customers: int = 50_000,
    *,
    groups: int = DEFAULT_GROUPS,
    overlap: float = DEFAULT_OVERLAP,
) -> int:
    """Write the lines and the planted groups; CSV, or Parquet for a ``.parquet`` path.

    Customers are generated ``chunk_customers`` at a time and text is made and written
    :data:`_OUT_CHUNK_LINES` lines at a time, so 10 million lines stay well under 2 GB. The
    bytes depend only on ``n_lines``, ``seed``, ``groups`` and ``overlap`` (as in
    :func:`generate_transactions`; and, for Parquet, the pyarrow version), not on
    ``chunk_customers``. Returns the number of lines written.
    """
    path, planted_path = Path(path), Path(planted_path)
    gen = _generate(n_lines, seed, chunk_customers, groups, overlap)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_parquet(path):
        with pq.ParquetWriter(path, _PARQUET_SCHEMA, coerce_timestamps="us") as writer:
            for start, stop in _chunks(len(gen), _OUT_CHUNK_LINES):
                writer.write_table(_arrow_table(gen, _chunk(gen, start, stop)))
    else:
        with path.open("wb") as out:
            for start, stop in _chunks(len(gen), _OUT_CHUNK_LINES):
                out.write(_csv_text(gen, _chunk(gen, start, stop), header=start == 0).encode())
    _write_planted(gen, planted_path)
    return len(gen)


# ---- command line ------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.data_generator",
        description=(
            "Write deterministic raw invoice lines in the Online Retail II schema, with "
            "planted customer groups (true labels in a separate file) and the mess of real "
            "exports: guest lines, cancellations, zero and negative prices, duplicates and "
            "non-product stock codes. The same options give the same bytes."
        ),
    )
    parser.add_argument(
        "--lines",
        type=int,
        default=DEFAULT_LINES,
        help=f"number of invoice lines, at least {MIN_LINES}; about one customer per "
        f"{LINES_PER_CUSTOMER} lines (default: %(default)s)",
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)"
    )
    parser.add_argument(
        "--groups",
        type=int,
        default=DEFAULT_GROUPS,
        help=f"number of planted customer groups, {MIN_GROUPS} to {MAX_GROUPS}: the first "
        f"ones of {', '.join(p.name for p in PROFILES)} (default: %(default)s)",
    )
    parser.add_argument(
        "--overlap",
        type=float,
        default=DEFAULT_OVERLAP,
        help="how much the groups overlap: multiplies every within-group spread; above 0, "
        "1.0 as designed, e.g. 1.5 for more overlap, 0.7 for cleaner groups "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("data/01_raw/transactions.csv"),
        help="invoice lines file, .csv or .parquet (default: %(default)s)",
    )
    parser.add_argument(
        "--planted-output",
        type=Path,
        default=Path("data/01_raw/planted_segments.csv"),
        help="planted groups file (customer_id, segment), .csv or .parquet (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk-customers",
        type=int,
        default=50_000,
        help="customers generated at a time: bounds memory, never changes the output "
        "(default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m customer_segmentation.data_generator``."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    started = time.perf_counter()
    written = write_transactions(
        args.output,
        args.planted_output,
        args.lines,
        args.seed,
        args.chunk_customers,
        groups=args.groups,
        overlap=args.overlap,
    )
    logger.info(
        "Wrote %s lines to %s and the planted groups to %s in %.1f s.",
        f"{written:,}",
        args.output,
        args.planted_output,
        time.perf_counter() - started,
    )


if __name__ == "__main__":
    main()
