"""What a finished run tells its reader on the terminal, after the log.

The segment table (name, customers, share of customers and of revenue, the first action),
the choice of K and why, the lines rejected, what moved since the last run, and the paths of
this run's report, workbook and customer list (and of their copies in ``latest/``); for a
scoring run, the customers per segment, how many lie outside the training range and who
moved. Built only from the outputs the run wrote.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

#: Outputs whose file a reader opens next, with the label the summary gives them.
READ_NEXT = {
    "segment_report": "Report",
    "segment_workbook": "Workbook",
    "customer_list": "Customer list",
    "scored_customers": "Scored customers",
}


def summary_lines(
    load: Callable[[str], Any],
    written: set[str],
    paths: Mapping[str, str],
    latest: Mapping[str, str] | None = None,
) -> list[str]:
    """The summary of a run that wrote ``written``; ``load`` reads one of them, ``paths``
    holds the file of this run's version of the :data:`READ_NEXT` outputs it wrote, and
    ``latest`` the stable copies of them this run refreshed (customer_segmentation.latest)."""
    lines: list[str] = []
    if "segment_summary" in written:
        actions = load("segment_actions") if "segment_actions" in written else None
        lines += _segments(load("segment_summary"), actions)
    if "monitoring_summary" in written:
        lines += _moved(load("monitoring_summary"))
    if "scored_customers" in written:
        lines += _scored(load("scored_customers"))
    if "scoring_segment_changes" in written:
        changes = load("scoring_segment_changes")
        lines.append(
            f"  changed segment since the last fitted run: {int(changes['joined'].sum()):,}"
        )
    lines += [f"{READ_NEXT[name]}: {paths[name]}" for name in READ_NEXT if name in paths]
    lines += _latest([latest[name] for name in READ_NEXT if name in (latest or {})])
    return lines


def _latest(copies: list[str]) -> list[str]:
    """``Latest: <folder>/ (<file>, <file>)`` per folder of the latest copies."""
    folders: dict[str, list[str]] = {}
    for path in copies:
        folder, file = os.path.split(path)
        folders.setdefault(folder, []).append(file)
    return [f"Latest: {folder}/ ({', '.join(files)})" for folder, files in folders.items()]


def _segments(summary: Mapping[str, Any], actions: pd.DataFrame | None) -> list[str]:
    first_action = {}
    if actions is not None:
        first_action = {
            row.segment: str(row.actions).split("; ")[0] for row in actions.itertuples()
        }
    rows = [
        [
            str(segment["segment"]),
            f"{segment['customers']:,}",
            _pct(segment.get("customer_share")),
            _pct(segment.get("revenue_share")),
            first_action.get(segment["segment"], ""),
        ]
        for segment in summary.get("segments", [])
    ]
    header = ["segment", "customers", "% customers", "% revenue", "first action"]
    lines = [f"Segments: K = {summary.get('k')}, scaler {summary.get('scaler')}"]
    lines += _table(header, rows)
    if summary.get("selection_reason"):
        lines.append(f"Why: {str(summary['selection_reason']).split('. Rule:')[0]}")
    quality = summary.get("data_quality") or {}
    read = quality.get("raw_lines", quality.get("raw_rows"))
    rejected = quality.get("rejected_lines", quality.get("rejected_rows"))
    if read:
        lines.append(
            f"Input: {read:,} read, {rejected or 0:,} rejected ({_pct((rejected or 0) / read)})"
        )
    return lines


def _moved(summary: Mapping[str, Any]) -> list[str]:
    if summary.get("recommendation") == "first run":
        return ["Since the last run: nothing to compare with yet (the first run)"]
    return [
        f"Since the last run: {summary.get('moved_customers', 0):,} of "
        f"{summary.get('returning_customers', 0):,} returning customers changed segment "
        f"({_pct(summary.get('moved_share'))}); recommendation: {summary.get('recommendation')}"
    ]


def _scored(scored: pd.DataFrame) -> list[str]:
    counts = scored["segment"].value_counts()
    rows = [[str(name), f"{count:,}", _pct(count / len(scored))] for name, count in counts.items()]
    outside = int(scored["outside_training_range"].sum())
    lines = [f"Scored {len(scored):,} customers with the saved model (nothing re-fitted)"]
    lines += _table(["segment", "customers", "% customers"], rows)
    lines.append(f"  outside the training range (to check): {outside:,}")
    return lines


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=True)]
    return [
        "  "
        + "  ".join(
            str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)
        ).rstrip()
        for row in [header, *rows]
    ]


def _pct(share: Any) -> str:
    return "" if share is None else f"{100 * float(share):.1f} %"
