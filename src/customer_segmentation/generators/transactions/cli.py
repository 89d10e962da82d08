"""Command line: ``python -m customer_segmentation.generators.transactions``."""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from pathlib import Path

from customer_segmentation.generators.transactions.output import write_transactions
from customer_segmentation.generators.transactions.spec import (
    DEFAULT_GROUPS,
    DEFAULT_LINES,
    DEFAULT_OVERLAP,
    DEFAULT_SEED,
    LINES_PER_CUSTOMER,
    MAX_GROUPS,
    MIN_GROUPS,
    MIN_LINES,
    PROFILES,
)

logger = logging.getLogger(__name__)


def _parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.generators.transactions",
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
    """Entry point of ``python -m customer_segmentation.generators.transactions``."""
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
