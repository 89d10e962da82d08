"""Deterministic generator of campaign exposures and outcomes with planted lifts per segment.

The project ships ``data/01_raw/campaigns.csv`` (seed 42) made by this module from the
default generated customers (``data/01_raw/planted_segments.csv``); the ``campaigns``
pipeline reads it. One row per customer exposed to a campaign::

    customer_id, campaign, variant, converted, revenue

Campaigns
---------
``spring_email``
    Every customer, half in ``control`` and half in ``treatment`` (at random). The planted
    lift: treatment converts ``lift`` (default 0.15, i.e. 15 points) more often than control
    in the ``lift_group`` group (default ``steady_regulars``, about 600 customers: about 300
    per arm), and exactly as often in the other groups (a zero lift).
``summer_sale``
    Every customer, half and half; a zero lift in every group.
``vip_preview``
    A small pilot: :data:`PILOT_SHARE` of the customers (about 80), half and half, a zero
    lift; most segments have fewer than 30 customers per arm ("not enough data").

Control conversion per group is :data:`BASE_CONVERSION` (frequent_big_spenders 30 %,
steady_regulars 20 %, occasional_buyers 8 %, lapsed_buyers 5 %, others 10 %). A converted
customer's revenue is log-normal around the group's :data:`ORDER_VALUE`; 0 otherwise.

The mess of real exports: :data:`MESSY_SHARE` of the rows each have a misspelt variant
(``Control ``, ``ctrl``), a conversion that is no yes/no (``maybe``, empty) or a revenue that
is no number (``n/a``), and a few rows are exact duplicates; the pipeline rejects them
(``rejected_campaign_rows``), far below its ``max_rejected_share``.

The output depends only on the options (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

DEFAULT_SEED = 42
DEFAULT_LIFT = 0.15
DEFAULT_LIFT_GROUP = "steady_regulars"
DEFAULT_PLANTED = Path("data/01_raw/planted_segments.csv")
DEFAULT_OUTPUT = Path("data/01_raw/campaigns.csv")

#: Control conversion rate per planted group (a group not listed: :data:`OTHER_CONVERSION`).
BASE_CONVERSION = {
    "frequent_big_spenders": 0.30,
    "steady_regulars": 0.20,
    "occasional_buyers": 0.08,
    "lapsed_buyers": 0.05,
}
OTHER_CONVERSION = 0.10
#: Median revenue of a conversion per planted group (others: :data:`OTHER_ORDER_VALUE`).
ORDER_VALUE = {
    "frequent_big_spenders": 500.0,
    "steady_regulars": 130.0,
    "occasional_buyers": 35.0,
    "lapsed_buyers": 140.0,
}
OTHER_ORDER_VALUE = 80.0
#: Share of the customers in the pilot campaign.
PILOT_SHARE = 0.04
#: Share of the rows given each kind of mess (variant, conversion, revenue, duplicate).
MESSY_SHARE = 0.002
COLUMNS = ["customer_id", "campaign", "variant", "converted", "revenue"]


def _campaign(
    name: str,
    customers: pd.DataFrame,
    rng: np.random.Generator,
    lift: float,
    lift_group: str | None,
) -> pd.DataFrame:
    """One campaign's rows: a random half in treatment, conversions with the planted lift."""
    treated = rng.permutation(len(customers)) < len(customers) // 2
    base = customers["segment"].map(BASE_CONVERSION).fillna(OTHER_CONVERSION).to_numpy()
    planted = (customers["segment"] == lift_group).to_numpy() & treated
    rate = np.clip(base + np.where(planted, lift, 0.0), 0.0, 1.0)
    converted = rng.random(len(customers)) < rate
    median = customers["segment"].map(ORDER_VALUE).fillna(OTHER_ORDER_VALUE).to_numpy()
    revenue = np.where(converted, median * rng.lognormal(0.0, 0.5, len(customers)), 0.0)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"].astype(str).to_numpy(),
            "campaign": name,
            "variant": np.where(treated, "treatment", "control"),
            "converted": converted.astype(int).astype(str),
            "revenue": [f"{value:.2f}" for value in revenue],
        }
    )


def _mess(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Misspelt variants, unparseable conversions and revenues, and duplicate rows."""
    rows = rows.copy()
    n = max(1, round(MESSY_SHARE * len(rows)))
    for column, values in (
        ("variant", ["Control ", "ctrl"]),
        ("converted", ["maybe", ""]),
        ("revenue", ["n/a"]),
    ):
        picked = rng.choice(len(rows), size=n, replace=False)
        rows.iloc[picked, rows.columns.get_loc(column)] = rng.choice(values, size=n)
    duplicates = rows.iloc[np.sort(rng.choice(len(rows), size=n, replace=False))]
    return pd.concat([rows, duplicates]).sort_index(kind="stable").reset_index(drop=True)


def generate_campaigns(
    planted: pd.DataFrame,
    seed: int = DEFAULT_SEED,
    lift: float = DEFAULT_LIFT,
    lift_group: str | None = DEFAULT_LIFT_GROUP,
    mess: bool = True,
) -> pd.DataFrame:
    """Campaign rows (:data:`COLUMNS`, all text) for the customers of ``planted``.

    ``planted`` has ``customer_id`` and ``segment`` (the planted group); ``lift`` is the
    absolute lift planted in ``spring_email`` for ``lift_group`` (None: no lift anywhere).
    """
    if not 0.0 <= lift < 1.0:
        raise ValueError(f"lift must be in [0, 1), not {lift}")
    rng = np.random.default_rng(seed)
    customers = planted[["customer_id", "segment"]].sort_values("customer_id", ignore_index=True)
    pilot = customers[rng.random(len(customers)) < PILOT_SHARE].reset_index(drop=True)
    rows = pd.concat(
        [
            _campaign("spring_email", customers, rng, lift, lift_group),
            _campaign("summer_sale", customers, rng, 0.0, None),
            _campaign("vip_preview", pilot, rng, 0.0, None),
        ],
        ignore_index=True,
    )
    return _mess(rows, rng) if mess else rows


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m customer_segmentation.generators.campaigns``."""
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.generators.campaigns",
        description="Write deterministic campaign exposures and outcomes with a planted lift "
        "in one customer group (the same options give the same bytes).",
    )
    parser.add_argument("--planted", type=Path, default=DEFAULT_PLANTED)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--lift",
        type=float,
        default=DEFAULT_LIFT,
        help="absolute lift planted in spring_email (default: %(default)s)",
    )
    parser.add_argument("--lift-group", default=DEFAULT_LIFT_GROUP)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    planted = pd.read_csv(args.planted, dtype=str)
    rows = generate_campaigns(planted, args.seed, args.lift, args.lift_group)
    rows.to_csv(args.output, index=False)
    logger.info("Wrote %s campaign rows to %s.", f"{len(rows):,}", args.output)


if __name__ == "__main__":
    main()
