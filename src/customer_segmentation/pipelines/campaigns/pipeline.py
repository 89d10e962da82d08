"""Wiring of ``campaigns``: raw exposures + segments -> conversion per variant -> lift."""

from kedro.pipeline import Node, Pipeline

from .nodes import campaign_lift, conversion_by_variant, parse_campaigns

PARAMS = "params:campaigns"


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(
                parse_campaigns,
                inputs=["raw_campaigns", "customer_segments", PARAMS],
                outputs=["campaign_exposures", "rejected_campaign_rows"],
                name="parse_campaigns",
            ),
            Node(
                conversion_by_variant,
                inputs="campaign_exposures",
                outputs="campaign_conversion",
                name="campaign_conversion_by_variant",
            ),
            Node(
                campaign_lift,
                inputs=["campaign_conversion", PARAMS],
                outputs="campaign_lift",
                name="campaign_lift",
            ),
        ],
        tags="campaigns",
    )
