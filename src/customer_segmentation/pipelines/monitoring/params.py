"""The ``monitoring`` parameter group (conf/base/parameters_monitoring.yml), typed."""

from __future__ import annotations

from pydantic import Field

from customer_segmentation.model.reference import DriftThresholds
from customer_segmentation.parameters import Parameters


class RefitParams(Parameters):
    """When the comparison with the last run recommends a re-fit."""

    #: share of returning customers now in another segment than last run
    max_moved_share: float = Field(gt=0, le=1)
    #: change of a segment's share of all customers (0.1 = ten percentage points)
    max_share_change: float = Field(gt=0, le=1)


class MonitoringParams(Parameters):
    """``monitoring:``: thresholds of feature drift and of the re-fit recommendation."""

    drift: DriftThresholds
    refit: RefitParams
