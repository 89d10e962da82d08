"""The report's Customer value section, figure and sheet, with and without customer_value."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from customer_segmentation.datasets import OptionalCSVDataset, OptionalJSONDataset
from customer_segmentation.errors import InputValidationError
from customer_segmentation.pipelines.reporting.customer_value import (
    NOT_AVAILABLE,
    customer_value_context,
    customer_value_sheet,
    plot_probability_alive,
)
from tests.pipelines.pipeline_helpers import one_line, typed_parameters

PARAMS = typed_parameters("reporting")
SEGMENTS = pd.DataFrame(
    {
        "segment": ["Champions", "Lapsed"],
        "customers": [10, 30],
        "total_clv": [900.0, 100.0],
        "clv_share": [0.9, 0.1],
        "mean_clv": [90.0, 3.33],
        "median_clv": [80.0, 2.0],
        "mean_probability_alive": [0.95, 0.2],
        "expected_purchases": [40.0, 3.0],
    }
)
VALIDATION = pd.DataFrame(
    {
        "segment": ["All customers", "Champions", "Lapsed"],
        "customers": [35, 9, 26],
        "predicted_purchases": [22.0, 18.0, 4.0],
        "actual_purchases": [20, 19, 1],
        "difference": [2.0, -1.0, 3.0],
        "relative_error": [0.1, -1 / 19, 3.0],
        "holdout_units": [180.0] * 3,
    }
)
MODEL = {
    "time_unit": "D",
    "horizon_months": 12,
    "monthly_discount_rate": 0.01,
    "customers": 40,
    "bg_nbd": {"r": 0.24, "alpha": 30.9, "a": 0.79, "b": 2.43},
    "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
    "calibration": {"holdout_days": 180},
}


def test_the_section_shows_clv_per_segment_and_the_holdout_check():
    context = customer_value_context(SEGMENTS, VALIDATION, MODEL, PARAMS)
    assert context["shown"] and context["horizon"] == "12" and context["discount"] == "1.0 %"
    assert [row[0] for row in context["segments"]["rows"]] == ["Champions", "Lapsed"]
    assert [row[0] for row in context["validation"]["rows"]][0] == "All customers"
    assert "r 0.240" in context["parameters"][0][1]


def test_without_customer_value_the_section_sheet_and_figure_say_why():
    assert customer_value_context(None, None, None, PARAMS) == {
        "shown": False,
        "note": NOT_AVAILABLE,
    }
    assert customer_value_sheet(None, None)["note"].tolist() == [NOT_AVAILABLE]
    assert isinstance(plot_probability_alive(None, pd.DataFrame(), style=PARAMS.style), Figure)


def test_the_sheet_joins_each_segment_to_its_holdout_check():
    sheet = customer_value_sheet(SEGMENTS, VALIDATION).set_index("segment")
    assert sheet.loc["Champions", "holdout_actual_purchases"] == 19
    assert list(sheet.index) == ["Champions", "Lapsed"]


def test_a_missing_column_is_one_line():
    with pytest.raises(InputValidationError) as error:
        customer_value_context(SEGMENTS.drop(columns="clv_share"), VALIDATION, MODEL, PARAMS)
    assert "dataset 'customer_value_segments', column 'clv_share'" in one_line(error.value)


def test_optional_datasets_load_none_until_saved(tmp_path):
    table = OptionalCSVDataset(filepath=str(tmp_path / "t.csv"), save_args={"index": False})
    assert table.load() is None
    table.save(SEGMENTS)
    assert table.load()["segment"].tolist() == ["Champions", "Lapsed"]
    model = OptionalJSONDataset(filepath=str(tmp_path / "m.json"), version=None)
    assert model.load() is None


def test_probability_alive_shows_segments_in_cluster_order_in_their_colours():
    values = pd.DataFrame(
        {
            "segment": ["Alpha", "Alpha", "Zulu"],
            "probability_alive": [0.9, 0.8, 0.1],
            "clv": [100.0, 80.0, 5.0],
        }
    )
    # Zulu is cluster 0: first, in the first colour, as in every other figure
    segments = pd.DataFrame(
        {
            "cluster": [0, 1],
            "segment": ["Zulu", "Alpha"],
            "label": ["Zulu", "Alpha"],
            "position": [0, 1],
        }
    )
    fig = plot_probability_alive(values, segments, style=PARAMS.style)
    clv_ax = fig.axes[1]
    bars = clv_ax.patches
    assert [tick.get_text() for tick in clv_ax.get_xticklabels()] == ["Zulu", "Alpha"]
    assert [bar.get_height() for bar in bars] == [5.0, 90.0]
    expected = [to_rgba(PARAMS.style.colour(0)), to_rgba(PARAMS.style.colour(1))]
    assert [bar.get_facecolor() for bar in bars] == expected
