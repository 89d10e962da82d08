"""``model_selection``: choose the scaler and number of clusters (K grid + Optuna study)."""

from .pipeline import create_experiment_pipeline, create_pipeline

__all__ = ["create_experiment_pipeline", "create_pipeline"]
