"""The workbook for teams that work in spreadsheets (``segment_workbook``, one sheet a table).

:data:`EXCEL_SHEETS`, in order:

- ``segments``: per segment its size, revenue, marketing goal and actions (one per line);
- ``customer_segments``: the ``customer_list`` table, one row per customer: segment, headline
  action, cluster, distance to its centre and margin to the next, the RFM segment and every
  column of ``customer_features`` (features in their own units, RFM scores), for a CRM list;
- ``segment_profiles``, ``feature_tests``, ``model_selection``: the tables of the report;
- ``data_quality``: lines (or rows) read, kept and rejected, per reason;
- ``customer_value``: per segment its lifetime value and the holdout check (a note where
  customer_value did not run: the customer-table path);
- ``campaigns``: per campaign, segment and treatment variant the lift over control, its
  interval, the raw and corrected p-values, the sample needed and the verdict (a note where
  no campaign exposures were read);
- ``churn_targets``: per segment its customers most likely to churn, ranked (a note where
  churn_propensity did not run).

The node returns a :class:`~customer_segmentation.excel.Workbook`: the tables and how each
column is shown. Number formats come from ``reporting.formats`` (currency symbol, decimals,
which features are money or shares); the dataset writes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.excel import Column, Sheet, Workbook

from .campaigns import campaigns_sheet
from .churn_propensity import churn_targets_sheet
from .customer_list import ACTION_COLUMNS, ACTIONS_SEPARATOR, LIST_FILE
from .customer_value import customer_value_sheet
from .params import NumberFormats, ReportingParams
from .segments import require_columns, require_keys
from .summary import CANDIDATE_COLUMNS

EXCEL_SHEETS = (
    "segments",
    "customer_segments",
    "segment_profiles",
    "data_quality",
    "feature_tests",
    "model_selection",
    "customer_value",
    "campaigns",
    "churn_targets",
)
#: Columns shown with ``score_decimals``: model scores and distances in model units.
SCORE_COLUMNS = frozenset(
    {
        "silhouette",
        "silhouette_std",
        "davies_bouldin",
        "stability",
        "stability_std",
        "eta_squared",
        "distance_to_centroid",
        "margin",
    }
)
P_VALUE_COLUMNS = frozenset({"anova_p", "kruskal_p", "p_value", "p_value_adjusted"})
#: Segment profile columns are ``<feature>_<statistic>``.
PROFILE_STATISTICS = ("_mean", "_median")
#: Text columns shown on several lines, and their widths.
WRAPPED = {"goal": 40.0, "actions": 60.0}


def build_excel_workbook(
    *,
    segment_profiles: pd.DataFrame,
    segment_actions: pd.DataFrame,
    customer_list: pd.DataFrame,
    data_quality_summary: dict[str, Any],
    feature_tests: pd.DataFrame,
    selection_candidates: pd.DataFrame,
    params: ReportingParams,
    customer_value_segments: pd.DataFrame | None = None,
    customer_value_validation: pd.DataFrame | None = None,
    campaign_lift: pd.DataFrame | None = None,
    churn_targets: pd.DataFrame | None = None,
) -> Workbook:
    """The workbook's sheets (:data:`EXCEL_SHEETS`) with the format of each column.

    ``customer_segments`` is the ``customer_list`` table; ``model_selection`` the full
    ``selection_candidates`` table: every scored (scaler, K) pair with its scores and the
    verdict of the selection policy. Above ``workbook_max_customers`` customers the customer
    sheet is replaced by a note: a sheet holds at most 1,048,575 rows, and the full table is
    the ``customer_list`` dataset.
    """
    require_columns(customer_list, ["customer_id", "segment"], "customer_list")
    require_columns(segment_actions, ACTION_COLUMNS, "segment_actions")
    require_columns(selection_candidates, CANDIDATE_COLUMNS, "selection_candidates")
    formats = _ExcelFormats(params.formats)
    tables = {
        "segments": _segments(segment_profiles, segment_actions),
        "customer_segments": _customers(customer_list, params.workbook_max_customers),
        "segment_profiles": _first(segment_profiles, "segment"),
        "data_quality": data_quality_table(data_quality_summary),
        "feature_tests": feature_tests,
        "model_selection": selection_candidates,
        "customer_value": customer_value_sheet(customer_value_segments, customer_value_validation),
        "campaigns": campaigns_sheet(campaign_lift),
        "churn_targets": churn_targets_sheet(churn_targets),
    }
    return Workbook(
        tuple(
            Sheet(name, table.reset_index(drop=True), formats.columns(table, params))
            for name, table in tables.items()
        )
    )


def _segments(segment_profiles: pd.DataFrame, segment_actions: pd.DataFrame) -> pd.DataFrame:
    """Per segment: size (and revenue, when profiled) beside its goal and actions."""
    require_columns(
        segment_profiles, ["cluster", "customers", "customer_share"], "segment_profiles"
    )
    sizes = [
        c
        for c in ("customers", "customer_share", "revenue", "revenue_share")
        if c in segment_profiles
    ]
    actions = segment_actions[ACTION_COLUMNS].assign(
        actions=lambda t: t["actions"].astype(str).str.replace(ACTIONS_SEPARATOR, "\n")
    )
    table = actions.merge(segment_profiles[["cluster", *sizes]], on="cluster", how="left")
    return table[["segment", "cluster", *sizes, "goal", "actions"]].sort_values("cluster")


def _customers(customer_list: pd.DataFrame, max_customers: int) -> pd.DataFrame:
    """The customer list, or a note on where it is when a sheet would hold too many rows."""
    if len(customer_list) <= max_customers:
        return customer_list
    return pd.DataFrame(
        {
            "note": [
                f"{len(customer_list):,} customers, more than "
                f"reporting.workbook_max_customers ({max_customers:,}): "
                "every customer's segment, action and features are in the customer_list "
                f"file ({LIST_FILE})"
            ]
        }
    )


def _first(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """``table`` with ``column`` first: the column kept in view when scrolling right."""
    return table[[column, *(c for c in table.columns if c != column)]]


def data_quality_table(quality: dict[str, Any]) -> pd.DataFrame:
    """``item``, ``count``, ``share`` (of what was read) and ``note`` per line of the summary."""
    customer_table = "raw_rows" in quality
    unit = "rows" if customer_table else "lines"
    keys = ("raw_rows", "kept_rows", "rejected_rows")
    if not customer_table:
        keys = ("raw_lines", "clean_lines", "rejected_lines")
    require_keys(quality, keys, "data_quality_summary")
    read, kept, rejected = (int(quality[key] or 0) for key in keys)

    def share(count: float | None) -> float | None:
        return count / read if read and count is not None else None

    dataset = str(quality.get("dataset") or "")
    rejected_dataset = "rejected_customers" if customer_table else "rejected_transactions"
    rows: list[tuple[str, float | None, float | None, str]] = [
        (f"{unit} read", read, share(read), f"from {dataset}" if dataset else ""),
        (f"{unit} kept", kept, share(kept), ""),
        (
            f"{unit} rejected",
            rejected,
            share(rejected),
            f"each with its reason: {rejected_dataset}",
        ),
    ]
    reasons = sorted((quality.get("rejected_by_reason") or {}).items(), key=lambda kv: -kv[1])
    rows += [(f"rejected: {reason}", int(n), share(int(n)), "") for reason, n in reasons]
    if quality.get("return_lines") is not None:
        returns = int(quality["return_lines"])
        rows.append(("return lines", returns, share(returns), "kept: they lower net revenue"))
    if quality.get("customers") is not None:
        rows.append(("customers", int(quality["customers"]), None, ""))
    if quality.get("first_invoice") or quality.get("last_invoice"):
        first, last = (
            str(quality.get(key) or "?").replace("T", " ")
            for key in ("first_invoice", "last_invoice")
        )
        period = f"{first} to {last}"
        rows.append(("invoice dates", None, None, period))
    for column, n in (quality.get("missing_values") or {}).items():
        if n:
            note = "share of rows kept; imputed in the model"
            rows.append((f"missing: {column}", int(n), int(n) / kept if kept else None, note))
    return pd.DataFrame(rows, columns=["item", "count", "share", "note"]).astype(
        {"count": "float64", "share": "float64"}
    )


class _ExcelFormats:
    """Excel number formats from ``reporting.formats``, and which column gets which."""

    def __init__(self, formats: NumberFormats) -> None:
        self._formats = formats
        self.count = "#,##0"
        self.number = _decimal_format("#,##0", formats.decimals)
        self.score = _decimal_format("0", formats.score_decimals)
        self.share = _decimal_format("0", formats.share_decimals) + "%"
        money = _decimal_format("#,##0", formats.money_decimals)
        symbol = formats.currency_symbol
        if symbol and formats.currency_position == "prefix":
            money = f'"{symbol}"{money}'
        elif symbol:
            money = f'{money}" {symbol}"'
        self.money = money
        floor = f"0.{'0' * (formats.score_decimals - 1)}1"
        self.p_value = f'[<{floor}]"< {floor}";{self.score}'

    def columns(self, table: pd.DataFrame, params: ReportingParams) -> dict[str, Column]:
        """The format (or width) of every column that is not shown plain."""
        shown = {}
        for name in table.columns:
            column = self._column(str(name), table[name], params)
            if column != Column():
                shown[name] = column
        return shown

    def _column(self, name: str, values: pd.Series, params: ReportingParams) -> Column:
        if name in WRAPPED:
            return Column(width=WRAPPED[name], wrap=True)
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            return Column()
        return Column(self._number_format(name, values, params))

    def _number_format(self, name: str, values: pd.Series, params: ReportingParams) -> str:
        feature = name
        for statistic in PROFILE_STATISTICS:
            feature = feature.removesuffix(statistic)
        share = (
            name == "share"
            or name.endswith("_share")
            or name.startswith("rfm_mix_")
            or feature in self._formats.share_features
        )
        kinds = [
            (name in P_VALUE_COLUMNS, self.p_value),
            (name in SCORE_COLUMNS, self.score),
            (
                feature in (*self._formats.money_features, params.revenue_column, "revenue"),
                self.money,
            ),
            (share, self.share),
            (name in ("count", "customers") or _whole_numbers(values), self.count),
        ]
        return next((number_format for applies, number_format in kinds if applies), self.number)


def _decimal_format(integer: str, decimals: int) -> str:
    """``#,##0.00`` for ``("#,##0", 2)``; the integer part alone for no decimals."""
    return f"{integer}.{'0' * decimals}" if decimals else integer


def _whole_numbers(values: pd.Series) -> bool:
    """Whether every value of a numeric column is a whole number (an integer column, or
    floats such as medians of counts): shown without decimals."""
    if pd.api.types.is_integer_dtype(values):
        return True
    numbers = values.to_numpy(dtype="float64", na_value=np.nan)
    numbers = numbers[np.isfinite(numbers)]
    return bool(len(numbers)) and bool((numbers == np.round(numbers)).all())
