"""Validate and clean raw invoice lines; keep every dropped line with its reason."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
