"""The report's Campaigns section and the workbook's campaigns sheet, with and without data."""

from __future__ import annotations

import pandas as pd
import pytest

from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting.campaigns import (
    LIFT_COLUMNS,
    NOT_AVAILABLE,
    campaigns_context,
    campaigns_sheet,
)
from tests.pipelines.pipeline_helpers import one_line

LIFT = pd.DataFrame(
    {
        "campaign": ["spring", "spring", "pilot"],
        "segment": ["Loyal", "Lapsed", "Loyal"],
        "variant": ["treatment"] * 3,
        "customers": [300, 200, 10],
        "conversions": [105, 10, 2],
        "conversion_rate": [0.35, 0.05, 0.2],
        "control_customers": [300, 210, 12],
        "control_conversions": [60, 11, 1],
        "control_conversion_rate": [0.2, 11 / 210, 1 / 12],
        "lift": [0.15, -0.0024, 0.117],
        "lift_ci_low": [0.08, -0.045, float("nan")],
        "lift_ci_high": [0.22, 0.04, float("nan")],
        "relative_lift": [0.75, -0.045, 1.4],
        "relative_lift_ci_low": [0.4, -0.6, float("nan")],
        "relative_lift_ci_high": [1.2, 1.3, float("nan")],
        "p_value": [1e-5, 0.9, float("nan")],
        "p_value_adjusted": [2e-5, 0.9, float("nan")],
        "significant": [True, False, False],
        "needed_per_arm_observed": [140.0, float("nan"), 200.0],
        "needed_per_arm_minimum_lift": [1500.0, 500.0, 900.0],
        "verdict": ["lift", "no detectable lift", "not enough data"],
    }
)


def test_the_section_shows_each_campaign_and_the_verdict_counts():
    context = campaigns_context(LIFT)
    assert context["shown"]
    assert [c["name"] for c in context["campaigns"]] == ["pilot", "spring"]
    spring = context["campaigns"][1]["table"]
    loyal = dict(zip(spring["columns"], spring["rows"][0], strict=True))
    assert loyal["lift"] == "+15.0 pts" and loyal["95 % interval (pts)"] == "+8.0 to +22.0"
    assert loyal["conversion (variant / control)"] == "35.0 % / 20.0 %"
    assert loyal["verdict"] == "lift"
    pilot = dict(zip(spring["columns"], context["campaigns"][0]["table"]["rows"][0], strict=True))
    assert pilot["95 % interval (pts)"] == "–" and pilot["verdict"] == "not enough data"
    assert context["counts"] == [
        ["lift", 1],
        ["negative lift", 0],
        ["no detectable lift", 1],
        ["not enough data", 1],
    ]


@pytest.mark.parametrize("lift", [None, LIFT.iloc[0:0]])
def test_without_campaign_data_the_section_and_sheet_say_why(lift):
    assert campaigns_context(lift) == {"shown": False, "note": NOT_AVAILABLE}
    assert campaigns_sheet(lift)["note"].tolist() == [NOT_AVAILABLE]


def test_the_sheet_is_the_lift_table():
    sheet = campaigns_sheet(LIFT)
    assert set(LIFT_COLUMNS) <= set(sheet.columns)
    pd.testing.assert_frame_equal(sheet, LIFT)


def test_a_missing_column_is_one_line():
    with pytest.raises(InputValidationError) as error:
        campaigns_context(LIFT.drop(columns="verdict"))
    assert "dataset 'campaign_lift', column 'verdict'" in one_line(error.value)
