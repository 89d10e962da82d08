"""The next month's export of the same customers, with planted moves between groups.

Month one is any export of :mod:`.transactions` with its planted groups. In month two a
share of the customers (``move_share``) behave like a customer of another group: each mover
takes over the order history of a customer of the target group (its "donor", under new
invoice numbers and the mover's id), the others keep theirs. So the planted truth of who
moved from which group to which is known exactly, and everything else stays as it was: a
segmentation of month two should find the same groups, and a comparison of the months the
planted moves. ``price_factor`` plants a drift: every price of month two times the factor.

``python -m customer_segmentation.generators.monthly --lines data/01_raw/transactions.csv
--planted data/01_raw/planted_segments.csv --output ... --planted-output ...``
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

CUSTOMER, INVOICE, PRICE = "Customer ID", "Invoice", "Price"
#: The planted table of month two: the group now, and the group in month one.
PLANTED_COLUMNS = ("customer_id", "segment", "segment_before")


def next_month(
    lines: pd.DataFrame,
    planted: pd.DataFrame,
    move_share: float,
    seed: int,
    price_factor: float = 1.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Month two's lines (text, the export's columns) and its planted groups.

    ``lines`` is month one as text; ``planted`` its ``customer_id`` and ``segment``. A mover's
    target group is drawn among the other groups, and its donor among the target group's
    customers who do not move (each donor at most once while there are enough).
    """
    rng = np.random.default_rng(seed)
    groups = planted.assign(customer_id=planted["customer_id"].astype(str)).set_index("customer_id")
    ids = groups.index.to_numpy()
    movers = np.sort(rng.choice(ids, size=round(move_share * len(ids)), replace=False))
    stayers = groups.drop(index=movers)
    names = sorted(groups["segment"].unique())
    donors = {
        name: list(rng.permutation(stayers.index[stayers["segment"] == name])) for name in names
    }
    targets, histories = {}, []
    next_invoice = _largest_invoice(lines) + 1
    by_customer = lines.groupby(lines[CUSTOMER].map(_plain_id), sort=False)
    for mover in movers:
        before = groups.at[mover, "segment"]
        target = rng.choice([name for name in names if name != before])
        pool = donors[target] or list(stayers.index[stayers["segment"] == target])
        donor = pool.pop(0)
        history = by_customer.get_group(donor).copy()
        renumbered = {old: next_invoice + n for n, old in enumerate(history[INVOICE].unique())}
        next_invoice += len(renumbered)
        history[INVOICE] = history[INVOICE].map(
            lambda old, renumbered=renumbered: _invoice_like(old, renumbered[old])
        )
        history[CUSTOMER] = mover
        histories.append(history)
        targets[mover] = target
    kept = lines[~lines[CUSTOMER].map(_plain_id).isin(set(movers))]
    month = pd.concat([kept, *histories], ignore_index=True)
    if price_factor != 1.0:
        prices = pd.to_numeric(month[PRICE], errors="coerce") * price_factor
        month[PRICE] = prices.map(lambda value: "" if pd.isna(value) else f"{value:.2f}")
    month = month.sort_values(["InvoiceDate", INVOICE], kind="stable", ignore_index=True)
    truth = groups.rename(columns={"segment": "segment_before"})
    truth["segment"] = [targets.get(i, before) for i, before in truth["segment_before"].items()]
    return month, truth.reset_index()[list(PLANTED_COLUMNS)]


def _plain_id(value: str) -> str:
    """A customer id as the planted table writes it (``12345.0`` -> ``12345``)."""
    return value[:-2] if isinstance(value, str) and value.endswith(".0") else value


def _largest_invoice(lines: pd.DataFrame) -> int:
    digits = lines[INVOICE].str.extract(r"(\d+)", expand=False)
    return int(pd.to_numeric(digits, errors="coerce").max())


def _invoice_like(old: str, number: int) -> str:
    """``number`` with the letter prefix of ``old`` (a ``C`` cancellation stays one)."""
    prefix = old[: len(old) - len(old.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))]
    return f"{prefix}{number}"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.generators.monthly", description=__doc__
    )
    parser.add_argument("--lines", type=Path, required=True, help="month one's export (CSV)")
    parser.add_argument("--planted", type=Path, required=True, help="month one's planted groups")
    parser.add_argument("--output", type=Path, required=True, help="month two's export")
    parser.add_argument("--planted-output", type=Path, required=True)
    parser.add_argument("--move-share", type=float, default=0.1, help="share of customers who move")
    parser.add_argument("--price-factor", type=float, default=1.0, help="planted price drift")
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args(argv)
    if not 0 <= args.move_share < 1 or args.price_factor <= 0:
        parser.error("--move-share must be in [0, 1) and --price-factor above 0")
    lines = pd.read_csv(args.lines, dtype=str, keep_default_na=False)
    planted = pd.read_csv(args.planted, dtype=str)
    month, truth = next_month(lines, planted, args.move_share, args.seed, args.price_factor)
    month.to_csv(args.output, index=False)
    truth.to_csv(args.planted_output, index=False)


if __name__ == "__main__":
    main()
