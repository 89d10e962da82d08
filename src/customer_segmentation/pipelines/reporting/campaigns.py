"""The report's "Campaigns" section and the workbook's ``campaigns`` sheet.

They read the outputs of the ``campaigns`` pipeline as datasets (never its code):
``campaign_lift`` (per campaign, segment and treatment variant) and ``campaign_conversion``
(per campaign, segment and variant). Both are ``None`` where campaigns did not run (the
customer-table path) and empty where it read no campaign file: the section and the sheet then
say so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .cells import MISSING, fmt_int, fmt_p, fmt_pct, fmt_value, table
from .segments import require_columns

NOT_AVAILABLE = (
    "No campaign results: this run read no campaign exposures (raw_campaigns_path in "
    "globals.yml names the file; the customer-table path does not run campaigns)."
)
LIFT_COLUMNS = [
    "campaign",
    "segment",
    "variant",
    "customers",
    "conversion_rate",
    "control_customers",
    "control_conversion_rate",
    "lift",
    "lift_ci_low",
    "lift_ci_high",
    "relative_lift",
    "p_value",
    "p_value_adjusted",
    "significant",
    "needed_per_arm_observed",
    "needed_per_arm_minimum_lift",
    "verdict",
]
#: The verdicts of ``campaign_lift``, in the order the section counts them.
VERDICTS = ("lift", "negative lift", "no detectable lift", "not enough data")


def _points(value: Any) -> str:
    """An absolute lift in percentage points, signed: ``+15.2 pts``."""
    text = fmt_value(value)
    return text if text == MISSING else f"{float(value) * 100:+.1f} pts"


def _interval(low: Any, high: Any) -> str:
    if fmt_value(low) == MISSING:
        return MISSING
    return f"{float(low) * 100:+.1f} to {float(high) * 100:+.1f}"


def _shown(campaign_lift: pd.DataFrame | None) -> bool:
    return campaign_lift is not None and not campaign_lift.empty


def campaigns_context(campaign_lift: pd.DataFrame | None) -> dict[str, Any]:
    """What the template's campaigns section shows (``shown`` False: why not)."""
    if not _shown(campaign_lift):
        return {"shown": False, "note": NOT_AVAILABLE}
    require_columns(campaign_lift, LIFT_COLUMNS, "campaign_lift")
    counts = campaign_lift["verdict"].value_counts()
    campaigns = []
    for name, rows in campaign_lift.groupby("campaign", sort=True):
        shown = pd.DataFrame(
            {
                "segment": rows["segment"],
                "variant": rows["variant"],
                "customers (variant / control)": [
                    f"{fmt_int(a)} / {fmt_int(b)}"
                    for a, b in zip(rows["customers"], rows["control_customers"], strict=True)
                ],
                "conversion (variant / control)": [
                    f"{fmt_pct(a)} / {fmt_pct(b)}"
                    for a, b in zip(
                        rows["conversion_rate"], rows["control_conversion_rate"], strict=True
                    )
                ],
                "lift": [_points(v) for v in rows["lift"]],
                "95 % interval (pts)": [
                    _interval(lo, hi)
                    for lo, hi in zip(rows["lift_ci_low"], rows["lift_ci_high"], strict=True)
                ],
                "relative lift": [fmt_pct(v) for v in rows["relative_lift"]],
                "p (corrected)": [fmt_p(v) for v in rows["p_value_adjusted"]],
                "needed per arm (observed / minimum lift)": [
                    f"{fmt_int(a)} / {fmt_int(b)}"
                    for a, b in zip(
                        rows["needed_per_arm_observed"],
                        rows["needed_per_arm_minimum_lift"],
                        strict=True,
                    )
                ],
                "verdict": rows["verdict"],
            }
        )
        campaigns.append({"name": str(name), "table": table(shown)})
    return {
        "shown": True,
        "campaigns": campaigns,
        "counts": [[verdict, int(counts.get(verdict, 0))] for verdict in VERDICTS],
    }


def campaigns_sheet(campaign_lift: pd.DataFrame | None) -> pd.DataFrame:
    """The workbook's ``campaigns`` sheet: ``campaign_lift`` as it is (or a note)."""
    if not _shown(campaign_lift):
        return pd.DataFrame({"note": [NOT_AVAILABLE]})
    require_columns(campaign_lift, LIFT_COLUMNS, "campaign_lift")
    return campaign_lift.reset_index(drop=True)
