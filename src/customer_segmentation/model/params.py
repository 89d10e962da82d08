"""KMeans settings, one model for the search (``model_selection``) and the final fit
(``clustering``): both groups have a ``kmeans:`` block of this shape."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from customer_segmentation.parameters import Parameters


class KMeansParams(Parameters):
    """KMeans settings, shared by the search (``model_selection``) and the final fit."""

    n_init: int = Field(ge=1)
    max_iter: int = Field(ge=1)
    algorithm: Literal["lloyd", "elkan"]
    random_state: int = Field(ge=0)
