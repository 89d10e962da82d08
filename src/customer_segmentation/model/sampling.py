"""Fixed-seed row samples: the search sample of ``model_selection`` and the drawn points of the
reporting figures use the same draw."""

from __future__ import annotations

import numpy as np


def sample_positions(n_rows: int, sample_size: int, seed: int | np.random.Generator) -> np.ndarray:
    """Sorted positions of ``sample_size`` rows drawn without replacement (all if fewer).

    ``seed`` is a seed or a generator already in use (its next draw is taken).
    """
    if n_rows <= sample_size:
        return np.arange(n_rows)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_rows, size=sample_size, replace=False))
