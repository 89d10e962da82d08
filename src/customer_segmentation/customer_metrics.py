"""Features per customer from clean invoice lines at a day (Ibis: it runs where the lines are).

Shared by ``feature_engineering`` (the features at the snapshot date) and ``churn_propensity``
(the same features at a cutoff before the end of the data, and at its end), so both measure a
customer the same way.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.datatypes as dt_ibis
import ibis.expr.types as ir

SECONDS_PER_DAY = 86_400
#: Exact type for summing money and units (4 decimals: sub-cent unit prices survive).
REVENUE_TYPE = dt_ibis.Decimal(18, 4)
#: The columns of clean_transactions that :func:`aggregate_customers` reads.
LINE_COLUMNS = (
    "customer_id",
    "invoice",
    "invoice_date",
    "stock_code",
    "quantity",
    "line_revenue",
    "is_return",
)
#: Every feature :func:`aggregate_customers` makes, in output order (besides ``customer_id``).
CUSTOMER_FEATURES = (
    "recency",
    "frequency",
    "monetary",
    "avg_order_value",
    "tenure",
    "mean_days_between_purchases",
    "return_rate",
    "distinct_products",
    "units_per_order",
)


def aggregate_customers(clean_transactions: ir.Table, snapshot_date: dt.date) -> ir.Table:
    """RFM and behavioural features per customer at ``snapshot_date``.

    Days are whole calendar days. Customers whose only lines are returns have no order and
    are left out. Definitions:

    - ``recency``: days from the last order to the snapshot; ``tenure``: from the first.
    - ``frequency``: distinct order invoices; ``monetary``: net revenue (orders - returns).
    - ``avg_order_value``: order revenue / orders; ``units_per_order``: units / orders.
    - ``mean_days_between_purchases``: (last - first order day) / (orders - 1); for a
      single order the gap is still open, so it is the tenure (a lower bound).
    - ``return_rate``: returned value / ordered value, capped at 1 (returns of orders made
      before the data starts can exceed it); 0 for a customer whose orders were all free
      and who returned nothing.
    - ``distinct_products``: distinct stock codes ordered; null when the export has no
      product column (the feature is then unknown, not zero).
    """
    t = clean_transactions
    snapshot_day = int(
        dt.datetime.combine(snapshot_date, dt.time(), dt.UTC).timestamp() // SECONDS_PER_DAY
    )
    t = t.mutate(
        day=(t.invoice_date.epoch_seconds() // SECONDS_PER_DAY).cast("int64"),
        # Float sums depend on the order a parallel engine adds lines in; exact decimals
        # make the same data give the same features, bit for bit, on every run.
        line_revenue=t.line_revenue.cast(REVENUE_TYPE),
        quantity=t.quantity.cast(REVENUE_TYPE),
    )
    orders = t.filter(~t.is_return)
    # Distinct counts in two steps (group by customer and invoice, or customer and product,
    # then count rows): cheaper than COUNT(DISTINCT) per customer on millions of lines.
    per_order = orders.group_by(["customer_id", "invoice"]).aggregate(
        first_day=orders.day.min(),
        last_day=orders.day.max(),
        ordered_value=orders.line_revenue.sum(),
        units=orders.quantity.sum(),
    )
    per_customer = per_order.group_by("customer_id").aggregate(
        frequency=per_order.count(where=per_order.invoice.notnull()),
        first_day=per_order.first_day.min(),
        last_day=per_order.last_day.max(),
        ordered_value=per_order.ordered_value.sum(),
        units=per_order.units.sum(),
    )
    bought = orders.filter(orders.stock_code.notnull()).select("customer_id", "stock_code")
    bought = bought.distinct()
    # customers without any product line (or an export without products) get null
    products = bought.group_by("customer_id").aggregate(distinct_products=bought.count())
    returns = t.filter(t.is_return)
    returned = returns.group_by("customer_id").aggregate(
        returned_value=(-returns.line_revenue).sum()
    )
    c = (
        per_customer.left_join(products, "customer_id")
        .left_join(returned, "customer_id")
        .select(
            per_customer,
            products.distinct_products,
            returned_value=returned.returned_value.fill_null(0),
        )
    )
    c = c.mutate(
        ordered_value=c.ordered_value.cast("float64"),
        returned_value=c.returned_value.cast("float64"),
        units=c.units.cast("float64"),
    )
    tenure = snapshot_day - c.first_day
    return c.select(
        customer_id=c.customer_id,
        recency=(snapshot_day - c.last_day).cast("int64"),
        frequency=c.frequency.cast("int64"),
        monetary=c.ordered_value - c.returned_value,
        avg_order_value=c.ordered_value / c.frequency,
        tenure=tenure.cast("int64"),
        mean_days_between_purchases=ibis.ifelse(
            c.frequency > 1,
            (c.last_day - c.first_day) / (c.frequency - 1),
            tenure.cast("float64"),
        ),
        # nothing paid for (free orders only): nothing of value to return, unless returned
        return_rate=ibis.ifelse(
            c.ordered_value > 0,
            ibis.least(c.returned_value / c.ordered_value, 1.0),
            ibis.ifelse(c.returned_value > 0, 1.0, 0.0),
        ),
        distinct_products=c.distinct_products.cast("int64"),
        units_per_order=c.units / c.frequency,
    ).order_by("customer_id")
