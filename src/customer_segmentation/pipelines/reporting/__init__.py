"""``reporting``: profiles, statistical tests, figures, an HTML report and an Excel workbook."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
