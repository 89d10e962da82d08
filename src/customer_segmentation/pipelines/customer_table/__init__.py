"""``customer_table``: a ready customer table (one row per customer) -> the model input."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
