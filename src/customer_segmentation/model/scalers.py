"""Scaler factory shared by ``model_selection`` (search) and ``clustering`` (final fit).

One name per scaler, so the name chosen by the Optuna study (``best_params["scaler"]``)
rebuilds exactly the same transformer in the final model.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sklearn.base import TransformerMixin
from sklearn.preprocessing import (
    MinMaxScaler,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from customer_segmentation.errors import InputValidationError

PASSTHROUGH = "passthrough"

_FACTORIES: dict[str, Callable[[int | None], TransformerMixin | str]] = {
    "standard": lambda seed: StandardScaler(),
    "robust": lambda seed: RobustScaler(),
    "minmax": lambda seed: MinMaxScaler(),
    # Rank-based: maps each feature onto a standard normal; robust to any remaining skew.
    "quantile_normal": lambda seed: QuantileTransformer(
        output_distribution="normal", n_quantiles=1000, random_state=seed
    ),
    "yeo_johnson": lambda seed: PowerTransformer(method="yeo-johnson", standardize=True),
    # The model-input features as they are (already capped and log-transformed upstream).
    "none": lambda seed: PASSTHROUGH,
}

SCALER_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def make_scaler(
    name: str, random_state: int | None = None, parameter: str = "scaler"
) -> TransformerMixin | str:
    """Return a fresh, unfitted transformer for ``name`` ("none" -> ``"passthrough"``).

    ``random_state`` seeds the scalers that subsample (``quantile_normal``). ``parameter``
    names the setting the name came from, for the error message of an unknown name.
    """
    if name not in _FACTORIES:
        raise InputValidationError(
            f"unknown scaler {name!r}",
            f"use one of {', '.join(SCALER_NAMES)}",
            parameter=parameter,
        )
    return _FACTORIES[name](random_state)


def cap_quantiles_to_rows(estimator: Any, n_rows: int) -> Any:
    """Give every ``QuantileTransformer`` in ``estimator`` at most ``n_rows`` quantiles.

    ``estimator`` is a scaler (or ``"passthrough"``) or a composite (Pipeline,
    ColumnTransformer) holding one; changed in place and returned. Avoids the warning and the
    wasted quantiles of fitting more quantiles than rows.
    """
    found = [estimator]
    if hasattr(estimator, "get_params"):
        found += list(estimator.get_params(deep=True).values())
    for candidate in found:
        if isinstance(candidate, QuantileTransformer):
            candidate.set_params(n_quantiles=min(candidate.n_quantiles, n_rows))
    return estimator


def fit_transform_scaler(
    name: str, values: Any, random_state: int | None = None
) -> tuple[TransformerMixin | str, Any]:
    """Fit the scaler ``name`` on ``values``; return it with the scaled values.

    ``quantile_normal`` uses at most as many quantiles as there are rows (no warning on
    small data).
    """
    scaler = make_scaler(name, random_state)
    if scaler == PASSTHROUGH:
        return scaler, values
    cap_quantiles_to_rows(scaler, len(values))
    return scaler, scaler.fit_transform(values)
