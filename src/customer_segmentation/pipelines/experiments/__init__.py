"""``experiments``: variants of the search and fit, run side by side and compared."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
