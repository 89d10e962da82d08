"""The ``campaigns`` parameter group (conf/base/parameters_campaigns.yml), typed."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from customer_segmentation.errors import config_file
from customer_segmentation.parameters import Parameters, check_listed_once, invalid

PARAMS_FILE = "parameters_campaigns.yml"


class CampaignColumns(Parameters):
    """Canonical name -> the column's name in the campaign export (``raw_campaigns``)."""

    customer_id: str = Field(min_length=1)
    campaign: str = Field(min_length=1)
    variant: str = Field(min_length=1)
    converted: str = Field(min_length=1)
    #: null: the export has no revenue column (revenue is then 0 for every row)
    revenue: str | None = Field(default=..., min_length=1)


class CampaignParsing(Parameters):
    """How the text of ``converted`` and ``revenue`` is read."""

    #: texts meaning converted / not converted, compared trimmed and case-insensitively
    true_values: list[str] = Field(min_length=1)
    false_values: list[str] = Field(min_length=1)
    #: of revenue; an empty revenue is 0
    decimal_separator: Literal[".", ","]
    #: share of the rows that may be rejected (each with its reason) before the run stops
    max_rejected_share: float = Field(ge=0.0, lt=1.0)

    @model_validator(mode="after")
    def _values_disjoint(self) -> CampaignParsing:
        true = {v.strip().lower() for v in self.true_values}
        both = sorted(true & {v.strip().lower() for v in self.false_values})
        if both:
            raise invalid(
                f"lists {both} in both true_values and false_values",
                f"keep each text in one of the two lists in {config_file(PARAMS_FILE)}",
                key="false_values",
            )
        return self


class CampaignParams(Parameters):
    """``campaigns:``: column mapping, variants, the test and the thresholds of the verdicts."""

    columns: CampaignColumns
    parsing: CampaignParsing
    #: the column of customer_segments that names the segment (and its customer id column)
    segment_column: str = Field(min_length=1)
    segment_customer_id: str = Field(min_length=1)
    #: the variant every other variant is compared with
    control_variant: str = Field(min_length=1)
    #: the other variants a campaign may have; rows with any other variant are rejected
    treatment_variants: list[str] = Field(min_length=1)
    #: significance level of the family of tests (after the correction)
    alpha: float = Field(gt=0.0, lt=0.5)
    #: statsmodels' multipletests method: holm (family-wise error), bonferroni, fdr_bh (false
    #: discovery rate), ...
    correction: Literal["holm", "bonferroni", "sidak", "holm-sidak", "hommel", "fdr_bh", "fdr_by"]
    #: the family of tests corrected together: campaign (each campaign's segments and
    #: variants) or all (every test of the run)
    correction_family: Literal["campaign", "all"]
    #: statsmodels' test_proportions_2indep method for the difference of two proportions
    test_method: Literal["score", "wald", "agresti-caffo"]
    #: statsmodels' confint_proportions_2indep method for the difference
    ci_method: Literal["newcomb", "score", "wald", "agresti-caffo"]
    #: confidence level of the intervals (1 - alpha by default; 0.95 is usual)
    confidence_level: float = Field(gt=0.5, lt=1.0)
    #: power wanted for the needed sample size
    power: float = Field(gt=0.5, lt=1.0)
    #: the smallest absolute lift in conversion worth finding (0.02: two points)
    minimum_detectable_lift: float = Field(gt=0.0, lt=1.0)
    #: below this many customers in either arm (or conversions in both together), no test:
    #: "not enough data"
    min_customers_per_arm: int = Field(ge=2)
    min_conversions: int = Field(ge=0)

    @model_validator(mode="after")
    def _variants(self) -> CampaignParams:
        check_listed_once(
            self.treatment_variants,
            "lists {repeated} more than once",
            f"list each variant once in {config_file(PARAMS_FILE)}",
            key="treatment_variants",
        )
        if self.control_variant in self.treatment_variants:
            raise invalid(
                f"lists the control variant '{self.control_variant}'",
                f"remove it from treatment_variants in {config_file(PARAMS_FILE)}",
                key="treatment_variants",
            )
        return self
