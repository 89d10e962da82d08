"""Deterministic generator of a ready customer table (one row per customer).

The project ships a small example (``data/01_raw/customers.csv``, 1,200 rows, seed 7) made by
this module; the ``customer_table`` environment segments it (``kedro run --env customer_table
--pipelines customer_table``). Columns::

    customer_id, age, annual_income, spending_score, gender, city, occupation

Planted customer groups
-----------------------
Each customer belongs to one planted group, written to a separate table (``customer_id``,
``segment``) so tests can measure how well a segmentation recovers the groups. The groups
differ in age, income and spending score (parameters in :data:`GROUPS`); occupation and city
lean towards some groups without defining them; gender is independent of the group.

``affluent_spenders`` (17 %)
    Around 34 years old, high income (median 95,000), high spending score (around 82).
``careful_affluent`` (20 %)
    Around 46, high income (median 88,000), low spending score (around 18).
``young_enthusiasts`` (18 %)
    Around 24, low income (median 27,000), high spending score (around 78).
``budget_conscious`` (20 %)
    Around 52, low income (median 28,000), low spending score (around 20).
``mainstream`` (25 %)
    Around 40 (widest spread), middle income (median 54,000), middle spending score (around 50).

The mess of real exports
------------------------
Some values are missing (rates in :data:`MISSING_RATES`, per column, the model imputes them),
a few rows have no customer id (:data:`MISSING_ID_SHARE`; they cannot be segmented and go to
``rejected_customers``) and a few ages are text (:data:`UNPARSEABLE_AGE_SHARE`, e.g.
``"unknown"``; rejected as ``unparseable_age``). Rows are shuffled; ids are unique.

The output depends only on ``rows`` and ``seed`` (``numpy.random.default_rng(seed)``).
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

DEFAULT_ROWS = 1_200
DEFAULT_SEED = 7
DEFAULT_OUTPUT = Path("data/01_raw/customers.csv")
DEFAULT_PLANTED_OUTPUT = Path("data/01_raw/customers_planted.csv")

COLUMNS = (
    "customer_id",
    "age",
    "annual_income",
    "spending_score",
    "gender",
    "city",
    "occupation",
)
GENDERS = ("Female", "Male", "Non-binary")
GENDER_WEIGHTS = (0.52, 0.46, 0.02)
CITIES = ("London", "Manchester", "Birmingham", "Leeds", "Bristol")
OCCUPATIONS = ("Student", "Service", "Manual", "Professional", "Executive", "Retired")

#: Share of missing values per column (customer_id has its own rate).
MISSING_RATES = {
    "age": 0.02,
    "annual_income": 0.03,
    "spending_score": 0.01,
    "gender": 0.03,
    "city": 0.01,
    "occupation": 0.06,
}
MISSING_ID_SHARE = 0.005
UNPARSEABLE_AGE_SHARE = 0.003
UNPARSEABLE_AGE_VALUES = ("unknown", "n.a.", "?")


@dataclass(frozen=True)
class Group:
    """One planted group: its share of customers and the distribution of each column.

    ``age`` and ``spending``: normal (mean, sd), clipped to 18..90 and 1..100.
    ``income``: log-normal (median, sigma of the log), rounded to 100.
    ``occupation`` and ``city``: weights in the order of :data:`OCCUPATIONS` / :data:`CITIES`.
    """

    name: str
    share: float
    age: tuple[float, float]
    income: tuple[float, float]
    spending: tuple[float, float]
    occupation: tuple[float, ...]
    city: tuple[float, ...]


GROUPS: tuple[Group, ...] = (
    Group(
        "affluent_spenders",
        0.17,
        age=(33, 5),
        income=(95_000, 0.13),
        spending=(82, 6),
        occupation=(0.02, 0.05, 0.03, 0.45, 0.43, 0.02),
        city=(0.45, 0.15, 0.12, 0.10, 0.18),
    ),
    Group(
        "careful_affluent",
        0.20,
        age=(47, 7),
        income=(90_000, 0.13),
        spending=(17, 6),
        occupation=(0.01, 0.05, 0.07, 0.47, 0.30, 0.10),
        city=(0.35, 0.18, 0.15, 0.14, 0.18),
    ),
    Group(
        "young_enthusiasts",
        0.18,
        age=(24, 3.5),
        income=(26_000, 0.17),
        spending=(79, 6),
        occupation=(0.45, 0.35, 0.12, 0.06, 0.00, 0.02),
        city=(0.25, 0.25, 0.20, 0.18, 0.12),
    ),
    Group(
        "budget_conscious",
        0.20,
        age=(55, 8),
        income=(27_000, 0.17),
        spending=(20, 6),
        occupation=(0.02, 0.25, 0.30, 0.05, 0.00, 0.38),
        city=(0.15, 0.25, 0.28, 0.22, 0.10),
    ),
    Group(
        "mainstream",
        0.25,
        age=(40, 9),
        income=(52_000, 0.10),
        spending=(50, 6),
        occupation=(0.05, 0.25, 0.25, 0.30, 0.08, 0.07),
        city=(0.22, 0.20, 0.20, 0.18, 0.20),
    ),
)


def generate_customer_table(
    rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw customer table (``rows`` rows, text as a CSV export has it) and planted groups.

    The planted table lists every row that has a customer id (``customer_id``, ``segment``).
    The same ``rows`` and ``seed`` always give the same tables.
    """
    if rows < len(GROUPS):
        raise ValueError(f"rows must be at least {len(GROUPS)} (one per planted group)")
    rng = np.random.default_rng(seed)
    shares = np.array([group.share for group in GROUPS])
    counts = np.floor(shares / shares.sum() * rows).astype(int)
    counts[np.argsort(-shares, kind="stable")[: rows - counts.sum()]] += 1
    membership = np.repeat(np.arange(len(GROUPS)), counts)
    rng.shuffle(membership)

    age = np.empty(rows)
    income = np.empty(rows)
    spending = np.empty(rows)
    occupation = np.empty(rows, dtype=object)
    city = np.empty(rows, dtype=object)
    for position, group in enumerate(GROUPS):
        members = membership == position
        n = int(members.sum())
        age[members] = rng.normal(*group.age, size=n)
        income[members] = group.income[0] * np.exp(rng.normal(0.0, group.income[1], size=n))
        spending[members] = rng.normal(*group.spending, size=n)
        occupation[members] = rng.choice(OCCUPATIONS, size=n, p=_weights(group.occupation))
        city[members] = rng.choice(CITIES, size=n, p=_weights(group.city))
    gender = rng.choice(GENDERS, size=rows, p=_weights(GENDER_WEIGHTS))

    ids = 10_001 + rng.permutation(rows * 3)[:rows]
    table = pd.DataFrame(
        {
            "customer_id": [f"C{value:05d}" for value in ids],
            "age": np.clip(np.round(age), 18, 90).astype(int).astype(str),
            "annual_income": (np.round(income / 100) * 100).astype(int).astype(str),
            "spending_score": np.clip(np.round(spending), 1, 100).astype(int).astype(str),
            "gender": gender,
            "city": city,
            "occupation": occupation,
        },
        dtype=object,
    )
    for column, rate in MISSING_RATES.items():
        table.loc[rng.random(rows) < rate, column] = None
    unparseable = rng.random(rows) < UNPARSEABLE_AGE_SHARE
    table.loc[unparseable, "age"] = rng.choice(UNPARSEABLE_AGE_VALUES, size=int(unparseable.sum()))
    planted = pd.DataFrame(
        {
            "customer_id": table["customer_id"],
            "segment": [GROUPS[position].name for position in membership],
        }
    )
    no_id = rng.random(rows) < MISSING_ID_SHARE
    table.loc[no_id, "customer_id"] = None
    planted = planted.loc[~no_id].reset_index(drop=True)
    return table[list(COLUMNS)], planted


def _weights(values: Sequence[float]) -> np.ndarray:
    weights = np.asarray(values, dtype="float64")
    return weights / weights.sum()


def write_customer_table(
    output: Path, planted_output: Path, rows: int = DEFAULT_ROWS, seed: int = DEFAULT_SEED
) -> None:
    """Generate and write both CSV files (parent folders are created)."""
    table, planted = generate_customer_table(rows, seed)
    for path in (output, planted_output):
        path.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(output, index=False)
    planted.to_csv(planted_output, index=False)
    logger.info("%d customer rows -> %s; planted groups -> %s", rows, output, planted_output)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m customer_segmentation.generators.customer_table",
        description="Generate a customer table (one row per customer) with planted groups.",
    )
    parser.add_argument(
        "--rows", type=int, default=DEFAULT_ROWS, help="customer rows (default: %(default)s)"
    )
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="CSV file (default: %(default)s)"
    )
    parser.add_argument(
        "--planted-output",
        type=Path,
        default=DEFAULT_PLANTED_OUTPUT,
        help="CSV file of the planted groups (default: %(default)s)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of ``python -m customer_segmentation.generators.customer_table``."""
    args = _parser().parse_args(argv)
    if args.rows < len(GROUPS):
        _parser().error(f"--rows must be at least {len(GROUPS)}")
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    write_customer_table(args.output, args.planted_output, args.rows, args.seed)


if __name__ == "__main__":
    main()
