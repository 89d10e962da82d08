"""Property-based tests: for random valid invoice lines, the cleaning and feature invariants hold.

Invariants: every raw line is either clean or rejected (never both, never lost); one feature
row per customer with an order; recency >= 0; frequency >= 1; monetary equals the sum of the
customer's clean line revenue; RFM scores are in 1..5 with a named segment each.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.data_processing.nodes import (
    label_transactions,
    map_columns,
    parse_transactions,
    split_transactions,
)
from customer_segmentation.pipelines.feature_engineering.nodes import (
    aggregate_customers,
    score_rfm,
)
from tests.pipelines.pipeline_helpers import typed_parameters

# any share of unparseable values below all of them is accepted: the lines are rejected
DATA_PROCESSING = typed_parameters("data_processing", {"parsing": {"max_unparseable_share": 0.99}})
FEATURE_ENGINEERING = typed_parameters("feature_engineering")
# a run needs more customers with an order than its largest K: 1 lets two customers through
LARGEST_K = 1
HEADER = list(DATA_PROCESSING.column_mapping.model_dump().values())
START = dt.datetime(2010, 1, 1)

line = st.fixed_dictionaries(
    {
        "invoice": st.sampled_from(["1001", "1002", "1003", "C1004", "1005", ""]),
        "stock_code": st.sampled_from(["A1", "B2", "C3", "POST", "M"]),
        "quantity": st.sampled_from(["1", "2", "12", "-3", "0", "x"]),
        "minutes": st.integers(min_value=0, max_value=60 * 24 * 400),
        "price": st.sampled_from(["0.5", "2.55", "10", "0", "-1"]),
        "customer": st.sampled_from(["12345", "12346", "12347.0", "", " 12348 "]),
    }
)


def raw_frame(lines: list[dict]) -> pd.DataFrame:
    rows = [
        [
            item["invoice"],
            item["stock_code"],
            "PRODUCT",
            item["quantity"],
            (START + dt.timedelta(minutes=item["minutes"])).isoformat(sep=" "),
            item["price"],
            item["customer"],
            "United Kingdom",
        ]
        for item in lines
    ]
    return pd.DataFrame(rows, columns=HEADER, dtype="string")


property_settings = settings(
    max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)


@property_settings
@given(st.lists(line, min_size=1, max_size=40))
def test_every_line_is_clean_or_rejected_and_features_add_up(lines):
    raw = raw_frame(lines)
    mapped = map_columns(raw, DATA_PROCESSING.column_mapping)
    try:
        parsed = parse_transactions(mapped, DATA_PROCESSING.parsing)
    except InputValidationError:
        # above any share allowed: only when no quantity at all parses, and the run stops
        assert all(item["quantity"] == "x" for item in lines)
        return
    labelled = label_transactions(parsed, DATA_PROCESSING.cleaning).execute()
    # conservation, line by line: exactly one outcome each
    assert len(labelled) == len(raw)
    ordering = labelled["reason"].isna() & ~labelled["is_return"]
    buyers = labelled.loc[ordering, "customer_id_value"].nunique()
    if buyers <= LARGEST_K:
        # no more customers with an order than the largest K: the run stops before writing
        expected = (
            "every line was rejected"
            if labelled["reason"].notna().all()
            else rf"only {buyers} customer\(s\) have an order"
        )
        with pytest.raises(InputValidationError, match=expected):
            split_transactions(ibis.memtable(labelled), LARGEST_K, None)
        return
    clean, rejected = split_transactions(ibis.memtable(labelled), LARGEST_K, None)
    clean_frame = clean.execute()
    assert len(clean_frame) + rejected.count().execute() == len(raw)

    snapshot = clean_frame["invoice_date"].max().date() + dt.timedelta(days=1)
    features = aggregate_customers(clean, snapshot).execute()
    orders = clean_frame[~clean_frame["is_return"]]
    assert features["customer_id"].is_unique
    assert set(features["customer_id"]) == set(orders["customer_id"])
    assert (features["recency"] >= 0).all()
    assert (features["frequency"] >= 1).all()
    assert (features["tenure"] >= features["recency"]).all()
    revenue = clean_frame.groupby("customer_id")["line_revenue"].sum()
    monetary = features.set_index("customer_id")["monetary"]
    pd.testing.assert_series_equal(
        monetary, revenue.loc[monetary.index], check_names=False, atol=1e-6, rtol=0
    )
    assert features["return_rate"].between(0, 1).all()


@property_settings
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=700),
            st.integers(min_value=1, max_value=50),
            st.floats(min_value=-100, max_value=1e6, allow_nan=False),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_rfm_scores_are_in_range_and_every_customer_is_named(rows):
    metrics = pd.DataFrame(rows, columns=["recency", "frequency", "monetary"])
    metrics.insert(0, "customer_id", [f"{i:05d}" for i in range(len(metrics))])
    scored = score_rfm(metrics, FEATURE_ENGINEERING.rfm)
    for score in ("r_score", "f_score", "m_score"):
        assert scored[score].between(1, 5).all()
    assert scored["rfm_segment"].notna().all()
    assert len(scored) == len(metrics)


@pytest.mark.parametrize("size", [1, 2, 4, 5, 7])
def test_rfm_bins_stay_even_for_any_size(size):
    metrics = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(size)],
            "recency": [5] * size,  # all tied
            "frequency": [1] * size,
            "monetary": [10.0] * size,
        }
    )
    scored = score_rfm(metrics, FEATURE_ENGINEERING.rfm)
    counts = scored["f_score"].value_counts()
    assert counts.max() - counts.min() <= 1
