"""The transaction stages written by hand as one DuckDB query: the yardstick for the pipeline.

Raw invoice lines (the generator's layout: the default column names, ISO dates; as Parquet
with typed Quantity and Price and text dates, or as a CSV export read as text, the way the
shipped catalog reads it, ``all_varchar``) -> one row per customer with the features of
``feature_engineering.aggregate_customers``, by the same rules as ``data_processing`` (taken
from ``conf/base/parameters_data_processing.yml``). Exact copies are dropped with DISTINCT,
distinct counts are two-step aggregations, money is summed as DECIMAL(18, 4).

It writes only the customer table; the pipeline also writes the clean and rejected lines, a
data-quality summary, RFM scores and the model input. ``--compare`` checks the result
against the pipeline's ``customer_metrics``.

    python benchmarks/reference_sql.py data/bench/transactions_1000000.parquet /tmp/ref.parquet
    python benchmarks/reference_sql.py data/bench/transactions_1000000.csv /tmp/ref.parquet
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import yaml
from measure import print_result

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SECONDS_PER_DAY = 86_400


def _quoted(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def reference_query(raw_path: Path, output_path: Path, params: dict[str, Any]) -> str:
    """The COPY statement for ``params`` (the ``data_processing`` parameters).

    A ``.csv`` file is read as text (``all_varchar``, as the catalog reads it); its numbers
    are parsed with ``try_cast`` after the exact copies are dropped (copies are copies of
    the text, as in the pipeline).
    """
    cleaning, columns = params["cleaning"], params["column_mapping"]
    col = {name: '"' + source.replace('"', '""') + '"' for name, source in columns.items()}
    raw = ", ".join(col.values())
    if raw_path.suffix.lower() == ".csv":
        source = f"read_csv({_quoted(str(raw_path))}, all_varchar = true, header = true)"
        for name in ("quantity", "price"):
            col[name] = f"try_cast(trim({col[name]}) AS DOUBLE)"
    else:
        source = f"read_parquet({_quoted(str(raw_path))})"
    codes = ", ".join(_quoted(str(code).upper()) for code in cleaning["non_product_codes"])
    prefix = _quoted(cleaning["cancellation_prefix"])
    customer = f"trim({col['customer_id']})"
    return f"""
COPY (
WITH kept_raw AS (
  SELECT DISTINCT {raw} FROM {source}
  WHERE {col["quantity"]} IS NOT NULL AND {col["price"]} IS NOT NULL
    AND NOT isnan({col["price"]}) AND {col["quantity"]} <> 0 AND {col["price"]} > 0
    AND abs({col["quantity"]}) <= {cleaning["max_abs_quantity"]}
    AND NOT list_contains([{codes}], upper(trim({col["stock_code"]})))
),
parsed AS (
  SELECT *, try_cast(trim({col["invoice_date"]}) AS TIMESTAMP) AS ts,
    nullif(regexp_replace({customer}, '\\.0+$', ''), '') AS cid,
    ({col["quantity"]} < 0 OR starts_with(trim({col["invoice"]}), {prefix})) AS is_return
  FROM kept_raw
),
kept AS (
  SELECT
    coalesce(nullif(trim({col["invoice"]}), ''), cid || '@' || CAST(CAST(ts AS DATE) AS VARCHAR))
      AS invoice,
    nullif(trim({col["stock_code"]}), '') AS stock_code,
    cid AS customer_id,
    CAST({col["quantity"]} AS DECIMAL(18, 4)) AS quantity,
    CAST(CASE WHEN is_return THEN -(abs({col["quantity"]}) * {col["price"]})
      ELSE {col["quantity"]} * {col["price"]} END AS DECIMAL(18, 4)) AS line_revenue,
    is_return,
    CAST(floor(epoch(ts) / {SECONDS_PER_DAY}) AS BIGINT) AS day
  FROM parsed WHERE ts IS NOT NULL AND cid IS NOT NULL
),
orders AS (SELECT * FROM kept WHERE NOT is_return),
per_order AS (
  SELECT customer_id, invoice, min(day) AS first_day, max(day) AS last_day,
    sum(line_revenue) AS ordered_value, sum(quantity) AS units
  FROM orders GROUP BY customer_id, invoice
),
per_customer AS (
  SELECT customer_id, count(*) AS frequency, min(first_day) AS first_day,
    max(last_day) AS last_day, sum(ordered_value) AS ordered_value, sum(units) AS units
  FROM per_order GROUP BY customer_id
),
products AS (
  SELECT customer_id, count(*) AS distinct_products
  FROM (SELECT DISTINCT customer_id, stock_code FROM orders WHERE stock_code IS NOT NULL)
  GROUP BY customer_id
),
returned AS (
  SELECT customer_id, sum(-line_revenue) AS returned_value FROM kept WHERE is_return
  GROUP BY customer_id
),
snapshot AS (SELECT max(day) + 1 AS snapshot_day FROM kept)
SELECT customer_id,
  snapshot_day - last_day AS recency,
  frequency,
  CAST(ordered_value AS DOUBLE) - CAST(coalesce(returned_value, 0) AS DOUBLE) AS monetary,
  CAST(ordered_value AS DOUBLE) / frequency AS avg_order_value,
  snapshot_day - first_day AS tenure,
  CASE WHEN frequency > 1 THEN (last_day - first_day) / (frequency - 1)
    ELSE CAST(snapshot_day - first_day AS DOUBLE) END AS mean_days_between_purchases,
  least(CAST(coalesce(returned_value, 0) AS DOUBLE) / CAST(ordered_value AS DOUBLE), 1.0)
    AS return_rate,
  distinct_products,
  CAST(units AS DOUBLE) / frequency AS units_per_order
FROM per_customer LEFT JOIN products USING (customer_id) LEFT JOIN returned USING (customer_id),
  snapshot
ORDER BY customer_id
) TO {_quoted(str(output_path))} (FORMAT parquet)
"""


def compare(reference: Path, pipeline: Path) -> str:
    """'identical', or what differs between the two customer tables."""
    expected = pd.read_parquet(pipeline)
    got = pd.read_parquet(reference)[list(expected.columns)].astype(expected.dtypes.to_dict())
    try:
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
    except AssertionError as error:
        return "differs: " + " ".join(str(error).split())[:300]
    return "identical"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="raw invoice lines (Parquet, or CSV read as text)")
    parser.add_argument("output", type=Path, help="customer table to write (Parquet)")
    parser.add_argument("--compare", type=Path, help="the pipeline's customer_metrics to check")
    args = parser.parse_args()
    params_file = PROJECT_ROOT / "conf" / "base" / "parameters_data_processing.yml"
    params = yaml.safe_load(params_file.read_text())["data_processing"]
    query = reference_query(args.raw.resolve(), args.output.resolve(), params)
    connection = duckdb.connect()
    started = time.perf_counter()
    connection.execute(query)
    result: dict[str, Any] = {"query_s": time.perf_counter() - started}
    if args.compare:
        result["same_as_pipeline"] = compare(args.output, args.compare)
    print_result(result)


if __name__ == "__main__":
    main()
