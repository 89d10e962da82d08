"""One row per customer: RFM and behavioural features, RFM scores and segments, model input."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
