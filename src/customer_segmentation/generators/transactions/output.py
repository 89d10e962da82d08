"""Lines as CSV text or Arrow tables, a chunk at a time, and the planted groups file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from customer_segmentation.generators.transactions.assemble import _generate, _Generated
from customer_segmentation.generators.transactions.spec import (
    _COUNTRY_NAMES,
    _KIND_PREFIX,
    _OUT_CHUNK_LINES,
    COLUMNS,
    DEFAULT_GROUPS,
    DEFAULT_OVERLAP,
    PLANTED_COLUMNS,
    WINDOW_START,
)


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
