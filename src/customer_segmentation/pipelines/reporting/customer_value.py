"""The report's "Customer value" section, its probability-alive figure and workbook sheet.

They read the outputs of the ``customer_value`` pipeline as datasets (never its code):
``customer_value`` (per customer), ``customer_value_segments`` (per segment),
``customer_value_validation`` (the holdout per segment) and ``customer_value_model`` (the
fitted parameters). Each is ``None`` where customer_value does not run (the customer-table
path has no invoice lines): the section, the figure and the sheet then say so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .cells import fmt_int, fmt_pct, fmt_score, fmt_value, table
from .params import PlotStyle, ReportingParams
from .plots import set_category_ticks, write_message
from .segments import require_columns, require_keys

NOT_AVAILABLE = (
    "Customer value needs invoice lines (purchase dates and amounts): this run read none, "
    "so it has no lifetime values."
)
SEGMENT_COLUMNS = [
    "segment",
    "customers",
    "total_clv",
    "clv_share",
    "mean_clv",
    "median_clv",
    "mean_probability_alive",
    "expected_purchases",
]
VALIDATION_COLUMNS = [
    "segment",
    "customers",
    "predicted_purchases",
    "actual_purchases",
    "relative_error",
]
HISTOGRAM_BINS = np.linspace(0.0, 1.0, 21)


def _available(*inputs: Any) -> bool:
    return all(value is not None for value in inputs)


def customer_value_context(
    customer_value_segments: pd.DataFrame | None,
    customer_value_validation: pd.DataFrame | None,
    customer_value_model: dict[str, Any] | None,
    params: ReportingParams,
) -> dict[str, Any]:
    """What the template's customer-value section shows (``shown`` False: why not)."""
    if not _available(customer_value_segments, customer_value_validation, customer_value_model):
        return {"shown": False, "note": NOT_AVAILABLE}
    require_columns(customer_value_segments, SEGMENT_COLUMNS, "customer_value_segments")
    require_columns(customer_value_validation, VALIDATION_COLUMNS, "customer_value_validation")
    require_keys(
        customer_value_model, ["bg_nbd", "gamma_gamma", "calibration"], "customer_value_model"
    )
    money = lambda v: params.formats.amount(params.revenue_column, float(v))  # noqa: E731
    segments = customer_value_segments[SEGMENT_COLUMNS].rename(
        columns={
            "total_clv": "CLV, total",
            "clv_share": "share of CLV",
            "mean_clv": "CLV, mean",
            "median_clv": "CLV, median",
            "mean_probability_alive": "P(alive), mean",
            "expected_purchases": "expected purchases",
        }
    )
    validation = customer_value_validation[VALIDATION_COLUMNS].rename(
        columns={
            "predicted_purchases": "predicted purchases",
            "actual_purchases": "actual purchases",
            "relative_error": "error",
        }
    )
    bg_nbd, gamma_gamma = customer_value_model["bg_nbd"], customer_value_model["gamma_gamma"]
    calibration = customer_value_model["calibration"]
    unit = {"D": "day", "W": "week"}.get(str(customer_value_model.get("time_unit")), "unit")
    return {
        "shown": True,
        "customers": fmt_int(customer_value_model.get("customers")),
        "total": money(customer_value_segments["total_clv"].sum()),
        "holdout_days": fmt_int(calibration.get("holdout_days")),
        "horizon": fmt_int(customer_value_model.get("horizon_months")),
        "discount": fmt_pct(customer_value_model.get("monthly_discount_rate")),
        "unit": unit,
        "segments": table(
            segments,
            {
                "customers": fmt_int,
                "CLV, total": money,
                "share of CLV": fmt_pct,
                "CLV, mean": money,
                "CLV, median": money,
                "P(alive), mean": fmt_pct,
                "expected purchases": fmt_value,
            },
        ),
        "validation": table(
            validation,
            {
                "customers": fmt_int,
                "predicted purchases": fmt_value,
                "actual purchases": fmt_int,
                "error": fmt_pct,
            },
        ),
        "parameters": [
            [
                "BG/NBD (purchases, drop-out)",
                ", ".join(f"{k} {fmt_score(bg_nbd[k])}" for k in ("r", "alpha", "a", "b")),
            ],
            [
                "Gamma-Gamma (spend)",
                ", ".join(f"{k} {fmt_score(gamma_gamma[k])}" for k in ("p", "q", "v")),
            ],
        ],
    }


def customer_value_sheet(
    customer_value_segments: pd.DataFrame | None,
    customer_value_validation: pd.DataFrame | None,
) -> pd.DataFrame:
    """The workbook's ``customer_value`` sheet: per segment CLV and the holdout check."""
    if not _available(customer_value_segments, customer_value_validation):
        return pd.DataFrame({"note": [NOT_AVAILABLE]})
    require_columns(customer_value_segments, SEGMENT_COLUMNS, "customer_value_segments")
    require_columns(customer_value_validation, VALIDATION_COLUMNS, "customer_value_validation")
    holdout = customer_value_validation[VALIDATION_COLUMNS].drop(columns="customers")
    holdout = holdout.rename(
        columns={
            "predicted_purchases": "holdout_predicted_purchases",
            "actual_purchases": "holdout_actual_purchases",
            "relative_error": "holdout_relative_error",
        }
    )
    return customer_value_segments[SEGMENT_COLUMNS].merge(holdout, on="segment", how="left")


def plot_probability_alive(
    customer_value: pd.DataFrame | None, segments: pd.DataFrame, *, style: PlotStyle
) -> Figure:
    """Per segment: how its customers' probability of being alive is spread, and mean CLV.

    ``segments`` is :func:`~.segments.segment_index`'s table: segments in cluster order, each
    in its colour of every other figure.
    """
    if customer_value is None:
        fig, axes = style.new_figure()
        write_message(axes[0, 0], "No customer value: this run read no invoice lines")
        axes[0, 0].set_axis_off()
        return fig
    require_columns(customer_value, ["segment", "probability_alive", "clv"], "customer_value")
    fig, axes = style.new_figure(1, 2)
    spread_ax, clv_ax = axes[0, 0], axes[0, 1]
    by_name = dict(list(customer_value.groupby("segment", sort=True)))
    shown = [
        (s.label, s.position, by_name[s.segment])
        for s in segments.itertuples()
        if s.segment in by_name
    ]
    for label, position, part in shown:
        counts, _ = np.histogram(part["probability_alive"], bins=HISTOGRAM_BINS)
        spread_ax.stairs(
            counts / max(len(part), 1) * 100,
            HISTOGRAM_BINS,
            color=style.colour(position),
            linewidth=1.5,
            label=f"{label} ({len(part):,})",
        )
    spread_ax.set_xlabel("probability alive (BG/NBD)")
    spread_ax.set_ylabel("customers of the segment (%)")
    spread_ax.set_title("Probability alive per segment")
    spread_ax.legend(fontsize=8)
    positions = np.arange(len(shown))
    means = [part["clv"].mean() for _, _, part in shown]
    clv_ax.bar(positions, means, color=[style.colour(position) for _, position, _ in shown])
    set_category_ticks(clv_ax, positions, [label for label, _, _ in shown])
    clv_ax.set_xlabel("segment")
    clv_ax.set_ylabel("mean CLV over the horizon")
    clv_ax.set_title("Mean lifetime value per segment")
    return fig
