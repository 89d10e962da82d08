"""Deterministic generator of raw retail invoice lines in the Online Retail II schema.

The project ships a small default data set (``data/01_raw/transactions.csv``, 40,000 lines,
seed 42) made by this package, and the same package makes files of millions of lines for
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
constants of :mod:`.spec`):

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

Modules, in the order they build a file: :mod:`.spec` (what the file looks like),
:mod:`.catalogue` (random streams, shop time, products), :mod:`.lines` (orders as compact
lines), :mod:`.customers` (planted customers, guests, house-keeping lines), :mod:`.assemble`
(the whole file, sorted and numbered), :mod:`.output` (CSV or Parquet) and :mod:`.cli`.

Command line::

    python -m customer_segmentation.generators.transactions --lines 40000 --seed 42 \\
        --output data/01_raw/transactions.csv --planted-output data/01_raw/planted_segments.csv
    python -m customer_segmentation.generators.transactions --lines 100000 --seed 7 --groups 6 \\
        --overlap 1.5 --output data/01_raw/transactions_100000_g6_o1.5.csv \\
        --planted-output data/01_raw/planted_segments_100000_g6_o1.5.csv
"""

from customer_segmentation.generators.transactions.cli import main
from customer_segmentation.generators.transactions.customers import planted_profiles
from customer_segmentation.generators.transactions.output import (
    generate_transactions,
    write_transactions,
)
from customer_segmentation.generators.transactions.spec import (
    COLUMNS,
    DEFAULT_GROUPS,
    DEFAULT_LINES,
    DEFAULT_OVERLAP,
    DEFAULT_SEED,
    DUPLICATE_SHARE,
    GUEST_LINE_SHARE,
    MAX_GROUPS,
    MIN_GROUPS,
    MIN_LINES,
    NON_PRODUCT_CODES,
    PLANTED_COLUMNS,
    PROFILES,
    SEGMENTS,
    SegmentProfile,
)

__all__ = [
    "COLUMNS",
    "DEFAULT_GROUPS",
    "DEFAULT_LINES",
    "DEFAULT_OVERLAP",
    "DEFAULT_SEED",
    "DUPLICATE_SHARE",
    "GUEST_LINE_SHARE",
    "MAX_GROUPS",
    "MIN_GROUPS",
    "MIN_LINES",
    "NON_PRODUCT_CODES",
    "PLANTED_COLUMNS",
    "PROFILES",
    "SEGMENTS",
    "SegmentProfile",
    "generate_transactions",
    "main",
    "planted_profiles",
    "write_transactions",
]
