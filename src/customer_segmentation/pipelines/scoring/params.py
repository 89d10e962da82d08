"""The ``scoring`` parameter group (conf/base/parameters_scoring.yml), typed."""

from __future__ import annotations

from pydantic import Field

from customer_segmentation.parameters import Parameters


class ScoringParams(Parameters):
    """How new customers are assigned with a saved model, and when the run stops instead."""

    #: a customer beyond the training customers' range on some feature by more than this
    #: times that range is flagged ``outside_training_range`` (assigned, but to check)
    outside_margin: float = Field(ge=0)
    #: above this share of flagged customers the run stops: the export is not like the one
    #: the model was fitted on (another shape, another currency, another period)
    max_outside_share: float = Field(ge=0, le=1)
    #: data_processing refuses an export with no more customers with an order than this:
    #: the main run passes model_selection.k_range.max (a silhouette on K segments needs
    #: K + 1 customers); scoring fits nothing, so 0 lets any export with a customer through
    refuse_up_to_customers: int = Field(ge=0)
