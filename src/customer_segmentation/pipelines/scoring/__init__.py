"""``scoring``: segments for a new export from a saved model, without fitting anything."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
