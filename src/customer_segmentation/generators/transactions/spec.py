"""What a generated export looks like: columns, the mess and its rates, the planted
groups, countries, the time window, sizes and spreads, and the product-name patterns.

The numbers here fix the bytes of every generated file: changing one changes the default
data (``data/01_raw/transactions.csv``) that tests and benchmarks compare against.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
