"""``monitoring``: what moved between two runs (segments, customers, features)."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
