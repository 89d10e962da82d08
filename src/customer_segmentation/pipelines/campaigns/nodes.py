"""Nodes of ``campaigns``: exposures as text -> parsed rows -> conversion -> lift per segment.

``raw_campaigns`` is read as text (every column a string) so that parsing and its failures
are handled here, like the invoice lines: a row that cannot be used goes to
``rejected_campaign_rows`` with its reason, never silently; above
``parsing.max_rejected_share`` of them the run stops. The statistics are statsmodels'
(:mod:`.stats`).
"""

from __future__ import annotations

import logging

import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file

from . import stats
from .params import PARAMS_FILE, CampaignParams

logger = logging.getLogger(__name__)

#: Columns of ``campaign_exposures``, one row per customer and campaign.
EXPOSURE_COLUMNS = ["customer_id", "campaign", "variant", "segment", "converted", "revenue"]
#: Columns of ``campaign_conversion``, one row per campaign, segment and variant.
CONVERSION_COLUMNS = [
    "campaign",
    "segment",
    "variant",
    "customers",
    "conversions",
    "conversion_rate",
    "revenue",
    "revenue_per_customer",
]
#: Reasons of ``rejected_campaign_rows``, in the order they are checked.
REASONS = (
    "missing_customer_id",
    "missing_campaign",
    "unknown_variant",
    "unparseable_converted",
    "unparseable_revenue",
    "customer_not_segmented",
    "duplicate_exposure",
)


def _require_columns(frame: pd.DataFrame, columns: dict[str, str], dataset: str) -> None:
    for key, column in columns.items():
        if column not in frame.columns:
            raise InputValidationError(
                f"is missing (found {list(frame.columns)})",
                f"map campaigns.{key} to one of those columns in {config_file(PARAMS_FILE)}",
                dataset=dataset,
                column=column,
            )


def _parse_converted(text: pd.Series, params: CampaignParams) -> pd.Series:
    """True / False from the configured texts; NA for any other text."""
    key = text.str.strip().str.lower()
    true = {v.strip().lower() for v in params.parsing.true_values}
    false = {v.strip().lower() for v in params.parsing.false_values}
    parsed = pd.Series(pd.NA, index=text.index, dtype="boolean")
    parsed[key.isin(true)] = True
    parsed[key.isin(false)] = False
    return parsed


def _parse_revenue(text: pd.Series | None, index: pd.Index, params: CampaignParams) -> pd.Series:
    """Revenue as a float; an empty text is 0; NaN where the text is no number."""
    if text is None:
        return pd.Series(0.0, index=index)
    cleaned = text.str.strip()
    if params.parsing.decimal_separator == ",":
        cleaned = cleaned.str.replace(",", ".", regex=False)
    cleaned = cleaned.mask(cleaned == "", "0")
    return pd.to_numeric(cleaned, errors="coerce").astype(float)


def parse_campaigns(
    raw_campaigns: pd.DataFrame | None, customer_segments: pd.DataFrame, params: CampaignParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The exposures as typed rows with each customer's segment, and the rejected rows.

    Returns ``campaign_exposures`` (:data:`EXPOSURE_COLUMNS`) and ``rejected_campaign_rows``
    (the raw row as read, its row number in the file and the reason, one of :data:`REASONS`).
    A customer's second row for the same campaign is a ``duplicate_exposure``: a customer
    belongs to one arm of a test. No file (``raw_campaigns`` None): both tables are empty.
    """
    mapping = {k: v for k, v in params.columns.model_dump().items() if v is not None}
    if raw_campaigns is None:  # no file at raw_campaigns_path: campaigns are skipped
        logger.info("raw_campaigns: no file, so no campaign results (raw_campaigns_path)")
        empty = pd.DataFrame({c: pd.Series(dtype=object) for c in EXPOSURE_COLUMNS})
        rejected = pd.DataFrame(columns=["row", *mapping.values(), "reason"])
        return empty.astype({"converted": bool, "revenue": float}), rejected
    _require_columns(
        raw_campaigns, {f"columns.{k}": v for k, v in mapping.items()}, "raw_campaigns"
    )
    _require_columns(
        customer_segments,
        {
            "segment_customer_id": params.segment_customer_id,
            "segment_column": params.segment_column,
        },
        "customer_segments",
    )
    text = raw_campaigns[list(mapping.values())].astype("string").fillna("")
    customer = text[mapping["customer_id"]].str.strip()
    campaign = text[mapping["campaign"]].str.strip()
    variant = text[mapping["variant"]].str.strip()
    converted = _parse_converted(text[mapping["converted"]], params)
    revenue_text = text[mapping["revenue"]] if "revenue" in mapping else None
    revenue = _parse_revenue(revenue_text, text.index, params)
    segments = customer_segments.set_index(
        customer_segments[params.segment_customer_id].astype(str).str.strip()
    )[params.segment_column].astype(str)
    segment = customer.map(segments)
    variants = {params.control_variant, *params.treatment_variants}
    checks = {
        "missing_customer_id": customer == "",
        "missing_campaign": campaign == "",
        "unknown_variant": ~variant.isin(variants),
        "unparseable_converted": converted.isna(),
        "unparseable_revenue": revenue.isna(),
        "customer_not_segmented": segment.isna(),
    }
    reason = pd.Series(pd.NA, index=text.index, dtype="string")
    for name, failed in checks.items():
        reason = reason.mask(reason.isna() & failed.fillna(True).astype(bool), name)
    duplicate = pd.DataFrame({"c": customer, "k": campaign}).duplicated(keep="first")
    reason = reason.mask(reason.isna() & duplicate, "duplicate_exposure")
    rejected_mask = reason.notna()
    _check_rejected_share(reason[rejected_mask], len(text), params)
    rejected = raw_campaigns.loc[rejected_mask].copy()
    rejected.insert(0, "row", rejected.index + 2)  # the file's line: header is line 1
    rejected["reason"] = reason[rejected_mask].astype(str)
    kept = ~rejected_mask
    exposures = pd.DataFrame(
        {
            "customer_id": customer[kept],
            "campaign": campaign[kept],
            "variant": variant[kept],
            "segment": segment[kept],
            "converted": converted[kept].astype(bool),
            "revenue": revenue[kept],
        }
    )
    if exposures.empty:
        raise InputValidationError(
            f"has no usable row ({len(text)} read, all rejected or none)",
            "check the file and the column mapping in " + config_file(PARAMS_FILE),
            dataset="raw_campaigns",
        )
    if rejected_mask.any():
        logger.warning(
            "raw_campaigns: %d of %d rows rejected (%s); see rejected_campaign_rows",
            int(rejected_mask.sum()),
            len(text),
            _reason_counts(reason[rejected_mask]),
        )
    exposures = exposures.sort_values(["campaign", "customer_id"], kind="stable")
    return exposures.reset_index(drop=True), rejected.reset_index(drop=True)


def _reason_counts(reasons: pd.Series) -> str:
    counts = reasons.value_counts().reindex(REASONS).dropna().astype(int)
    return ", ".join(f"{name} {n}" for name, n in counts.items())


def _check_rejected_share(reasons: pd.Series, rows: int, params: CampaignParams) -> None:
    share = len(reasons) / rows if rows else 0.0
    if share > params.parsing.max_rejected_share:
        raise InputValidationError(
            f"{len(reasons)} of {rows} rows ({share:.1%}) cannot be used "
            f"({_reason_counts(reasons)}), more than parsing.max_rejected_share "
            f"({params.parsing.max_rejected_share:.1%})",
            "check the column mapping, campaigns.control_variant / treatment_variants and "
            f"parsing.true_values / false_values in {config_file(PARAMS_FILE)}, or raise "
            "parsing.max_rejected_share",
            dataset="raw_campaigns",
        )


def conversion_by_variant(campaign_exposures: pd.DataFrame) -> pd.DataFrame:
    """Per campaign, segment and variant: customers, conversions, rate and revenue."""
    grouped = campaign_exposures.groupby(["campaign", "segment", "variant"], sort=True)
    table = grouped.agg(
        customers=("customer_id", "size"),
        conversions=("converted", "sum"),
        revenue=("revenue", "sum"),
    ).reset_index()
    table["conversions"] = table["conversions"].astype(int)
    table["conversion_rate"] = table["conversions"] / table["customers"]
    table["revenue_per_customer"] = table["revenue"] / table["customers"]
    return table[CONVERSION_COLUMNS]


def _arm(conversion: pd.DataFrame, variant: str) -> pd.DataFrame:
    """One variant's campaign, segment, customers and conversions."""
    columns = ["campaign", "segment", "customers", "conversions"]
    return conversion.loc[conversion["variant"] == variant, columns]


def campaign_lift(campaign_conversion: pd.DataFrame, params: CampaignParams) -> pd.DataFrame:
    """Per campaign, segment and treatment variant: lift against control, tested.

    Columns: the two arms' customers, conversions and rates; ``lift`` (absolute, treatment
    minus control) with its confidence interval, ``relative_lift`` (treatment / control - 1)
    with its interval; the raw and corrected p-values and ``significant``; the customers per
    arm needed to detect the observed lift and the minimum detectable lift; the verdict.
    A segment of a campaign that lacks one of the two arms is "not enough data".
    """
    control = _arm(campaign_conversion, params.control_variant).rename(
        columns={"customers": "control_customers", "conversions": "control_conversions"}
    )
    pairs = []
    for variant in params.treatment_variants:
        treated = _arm(campaign_conversion, variant)
        # the campaigns that have this variant, each segment with either arm
        pair = treated.merge(control, on=["campaign", "segment"], how="outer")
        pair = pair[pair["campaign"].isin(treated["campaign"])]
        pair.insert(2, "variant", variant)
        pairs.append(pair)
    table = pd.concat(pairs, ignore_index=True)
    if table.empty:
        return pd.DataFrame(columns=stats.LIFT_COLUMNS)
    for column in ("customers", "conversions", "control_customers", "control_conversions"):
        table[column] = table[column].fillna(0).astype(int)
    table = table.sort_values(["campaign", "segment", "variant"], ignore_index=True)
    enough = (
        (table["customers"] >= params.min_customers_per_arm)
        & (table["control_customers"] >= params.min_customers_per_arm)
        & (table["conversions"] + table["control_conversions"] >= params.min_conversions)
    )
    tested = stats.compare_arms(table, enough, params)
    return tested[stats.LIFT_COLUMNS]
