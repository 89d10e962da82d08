"""The customer list, and the CSV of each segment that its card in the report carries."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting.customer_list import (
    LIST_FILE,
    build_customer_list,
    file_name,
    segment_downloads,
)

from .conftest import reporting_params
from .test_report import _render


@pytest.fixture
def customer_list(inputs) -> pd.DataFrame:
    return build_customer_list(
        inputs["customer_segments"], inputs["customer_features"], inputs["segment_actions"]
    )


def test_one_row_per_customer_by_segment_with_its_action(customer_list, inputs):
    assert len(customer_list) == len(inputs["customer_segments"])
    assert list(customer_list.columns[:4]) == ["customer_id", "segment", "action", "cluster"]
    assert customer_list["cluster"].is_monotonic_increasing
    first = inputs["segment_actions"].set_index("cluster")["actions"].str.split("; ").str[0]
    assert (customer_list["action"] == customer_list["cluster"].map(first)).all()


def test_customer_list_names_a_missing_column(inputs):
    with pytest.raises(InputValidationError, match="segment_actions.*goal"):
        build_customer_list(
            inputs["customer_segments"],
            inputs["customer_features"],
            inputs["segment_actions"].drop(columns=["goal"]),
        )


@pytest.mark.parametrize(
    ("cluster", "segment", "expected"),
    [
        (1, "Loyal Regulars", "segment-1-loyal-regulars.csv"),
        (2, "Lapsed / At Risk", "segment-2-lapsed-at-risk.csv"),
        (3, "Café Crème", "segment-3-café-crème.csv"),
        (4, "???", "segment-4.csv"),
    ],
)
def test_file_names_are_safe_and_name_the_segment(cluster, segment, expected):
    assert file_name(cluster, segment) == expected


def test_each_segment_link_decodes_to_its_customers(customer_list, params):
    downloads = segment_downloads(customer_list, params)
    assert sorted(downloads) == sorted(customer_list["cluster"].unique())
    decoded = []
    for cluster, link in downloads.items():
        text = base64.b64decode(link["href"].split("base64,", 1)[1]).decode("utf-8")
        rows = pd.read_csv(io.StringIO(text), dtype={"customer_id": str})
        assert (rows["cluster"] == cluster).all()
        decoded.append(rows)
    together = pd.concat(decoded, ignore_index=True)
    pd.testing.assert_frame_equal(together, customer_list, check_dtype=False)


def test_cards_link_their_csv_or_name_the_file_when_too_many(inputs, params):
    html = _render(inputs, params)
    for cluster in inputs["customer_segments"]["cluster"].unique():
        card = re.search(rf'id="segment-{cluster}">(.*?)</section>', html, re.S).group(1)
        assert re.search(r'<a download="segment-\d+-[^"]+\.csv" href="data:text/csv', card)
        assert "Download the 75 customers of this segment (CSV)" in card
    small = reporting_params({"max_embedded_customers": 299})
    html = _render(inputs, small)
    assert "data:text/csv" not in html
    assert html.count(f"in {LIST_FILE} (too many to carry in this report") == 4
