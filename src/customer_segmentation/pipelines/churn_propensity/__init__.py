"""``churn_propensity``: who stops buying, per segment (a classifier on a time split of the lines)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
