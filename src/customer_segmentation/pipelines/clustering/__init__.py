"""``clustering``: final segmentation model, named segments, actions and stability."""

from .pipeline import create_pipeline

__all__ = ["create_pipeline"]
