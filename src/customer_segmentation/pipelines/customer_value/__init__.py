"""``customer_value``: lifetime value per customer and segment (BG/NBD and Gamma-Gamma)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
