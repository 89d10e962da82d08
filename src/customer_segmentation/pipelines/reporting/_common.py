"""Parameters and small helpers shared by the reporting nodes, plots and HTML report."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from customer_segmentation.errors import InputValidationError

PARAMS = "reporting"
SEGMENT_KEYS = ["cluster", "segment"]


@dataclass(frozen=True)
class PlotStyle:
    """Colours and sizes every reporting figure shares (``reporting.style``)."""

    palette: tuple[str, ...]
    figure_size: tuple[float, float]
    dpi: int
    diverging_cmap: str
    sequential_cmap: str

    def colour(self, position: int) -> str:
        """Colour of the segment at ``position`` in cluster order (the palette repeats)."""
        return self.palette[position % len(self.palette)]

    def new_figure(
        self, nrows: int = 1, ncols: int = 1, *, height_scale: float = 1.0
    ) -> tuple[Figure, Any]:
        """A constrained-layout Agg figure with a 2-D array of axes.

        Figures are built with the object-oriented API, never through ``pyplot``, so they are
        not registered in pyplot's global figure manager: nothing to close, and memory is freed
        as soon as the figure is no longer referenced.
        """
        width, height = self.figure_size
        fig = Figure(figsize=(width, height * height_scale), dpi=self.dpi, layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        return fig, axes


@dataclass(frozen=True)
class ReportingParams:
    """The ``reporting`` parameter group, checked once so nodes can trust it."""

    title: str
    feature_units: dict[str, str]
    profile_features: tuple[str, ...]
    revenue_column: str
    boxplot_features: tuple[str, ...]
    boxplot_show_outliers: bool
    histogram_bins: int
    pca_sample_size: int
    silhouette_sample_size: int
    random_seed: int
    significance_level: float
    min_effect_size: float
    optuna_objective: str
    optuna_direction: str
    style: PlotStyle

    @classmethod
    def from_dict(cls, params: Mapping[str, Any]) -> ReportingParams:
        """Validate the raw parameter dict; raise :class:`InputValidationError` on bad values."""
        if not isinstance(params, Mapping):
            raise _param_error("", "is not a mapping", "define 'reporting' as a YAML mapping")
        style = _get(params, "style", Mapping)
        figure_size = tuple(float(v) for v in _get_list(style, "figure_size", "style."))
        if len(figure_size) != 2 or min(figure_size) <= 0:
            raise _param_error(
                "style.figure_size", f"is {list(figure_size)}", "give [width, height] in inches > 0"
            )
        palette = tuple(str(c) for c in _get_list(style, "palette", "style."))
        if not palette:
            raise _param_error("style.palette", "is empty", "list at least one colour")
        direction = _get(params, "optuna_direction", str)
        if direction not in ("maximize", "minimize"):
            raise _param_error(
                "optuna_direction", f"is '{direction}'", "use 'maximize' or 'minimize'"
            )
        significance = float(_get(params, "significance_level", (int, float)))
        if not 0 < significance < 1:
            raise _param_error(
                "significance_level", f"is {significance}", "use a value between 0 and 1, e.g. 0.01"
            )
        return cls(
            title=_get(params, "title", str),
            feature_units={
                str(k): str(v) for k, v in _get(params, "feature_units", Mapping).items()
            },
            profile_features=tuple(_get_list(params, "profile_features")),
            revenue_column=_get(params, "revenue_column", str),
            boxplot_features=tuple(_get_list(params, "boxplot_features")),
            boxplot_show_outliers=_get(params, "boxplot_show_outliers", bool),
            histogram_bins=_positive_int(params, "histogram_bins"),
            pca_sample_size=_positive_int(params, "pca_sample_size"),
            silhouette_sample_size=_positive_int(params, "silhouette_sample_size"),
            random_seed=_get(params, "random_seed", int),
            significance_level=significance,
            min_effect_size=float(_get(params, "min_effect_size", (int, float))),
            optuna_objective=_get(params, "optuna_objective", str),
            optuna_direction=direction,
            style=PlotStyle(
                palette=palette,
                figure_size=(figure_size[0], figure_size[1]),
                dpi=_positive_int(style, "dpi", "style."),
                diverging_cmap=_get(style, "diverging_cmap", str, "style."),
                sequential_cmap=_get(style, "sequential_cmap", str, "style."),
            ),
        )

    def unit(self, feature: str) -> str:
        """Unit of a raw feature, e.g. ``days``; ``value`` when none is configured."""
        return self.feature_units.get(feature, "value")

    def raw_label(self, feature: str) -> str:
        """Axis label for a feature in original units, e.g. ``recency (days)``."""
        return f"{feature} ({self.unit(feature)})"


def _param_error(key: str, problem: str, fix: str) -> InputValidationError:
    name = f"{PARAMS}.{key}" if key else PARAMS
    return InputValidationError(problem, fix, parameter=name)


def _get(params: Mapping[str, Any], key: str, kind: Any, prefix: str = "") -> Any:
    if key not in params:
        raise _param_error(
            prefix + key, "is missing", "add it to conf/base/parameters_reporting.yml"
        )
    value = params[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise _param_error(prefix + key, f"has the wrong type ({type(value).__name__})", _fix(kind))
    return value


def _fix(kind: Any) -> str:
    names = kind if isinstance(kind, tuple) else (kind,)
    return "set it to a " + " or ".join(getattr(n, "__name__", str(n)) for n in names)


def _get_list(params: Mapping[str, Any], key: str, prefix: str = "") -> list[Any]:
    value = _get(params, key, (list, tuple), prefix)
    return list(value)


def _positive_int(params: Mapping[str, Any], key: str, prefix: str = "") -> int:
    value = _get(params, key, int, prefix)
    if value <= 0:
        raise _param_error(prefix + key, f"is {value}", "use a positive integer")
    return value


def require_columns(frame: pd.DataFrame, columns: Iterable[str], dataset: str) -> None:
    """Raise :class:`InputValidationError` naming the dataset and columns that are missing."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputValidationError(
            f"missing column(s) {missing}; found {list(frame.columns)}",
            f"re-run the pipeline that produces '{dataset}' so it has these columns",
            dataset=dataset,
            column=", ".join(missing),
        )


def require_keys(data: Mapping[str, Any], keys: Iterable[str], dataset: str) -> None:
    """Raise :class:`InputValidationError` when a dict input lacks required keys."""
    missing = [k for k in keys if k not in data]
    if missing:
        raise InputValidationError(
            f"missing key(s) {missing}",
            f"re-run the pipeline that produces '{dataset}' so it has these keys",
            dataset=dataset,
        )


def segment_index(
    customer_segments: pd.DataFrame, dataset: str = "customer_segments"
) -> pd.DataFrame:
    """One row per segment in cluster order: ``cluster``, ``segment``, ``label``, ``position``.

    ``label`` is the segment name, made unique with the cluster number when two clusters share
    a name; ``position`` indexes the palette so a segment has the same colour in every plot.
    """
    require_columns(customer_segments, SEGMENT_KEYS, dataset)
    if customer_segments.empty:
        raise InputValidationError(
            "has no rows", "check that clustering assigned customers", dataset=dataset
        )
    pairs = customer_segments[SEGMENT_KEYS].drop_duplicates().sort_values("cluster")
    if pairs["cluster"].duplicated().any():
        clusters = sorted(pairs.loc[pairs["cluster"].duplicated(), "cluster"].tolist())
        raise InputValidationError(
            f"clusters {clusters} carry more than one segment name",
            "give every cluster exactly one segment name",
            dataset=dataset,
            column="segment",
        )
    names = pairs["segment"].astype(str)
    duplicated = names.duplicated(keep=False)
    labels = names.where(~duplicated, names + " (cluster " + pairs["cluster"].astype(str) + ")")
    return pd.DataFrame(
        {
            "cluster": pairs["cluster"].to_numpy(),
            "segment": names.to_numpy(),
            "label": labels.to_numpy(),
            "position": range(len(pairs)),
        }
    )


def join_segments(
    frame: pd.DataFrame, customer_segments: pd.DataFrame, dataset: str
) -> pd.DataFrame:
    """Attach ``cluster`` and ``segment`` to ``frame`` by ``customer_id`` (segmented rows only).

    Every segmented customer must be present in ``frame``; customers without a segment are left
    out (the model may have been trained on a subset).
    """
    require_columns(frame, ["customer_id"], dataset)
    require_columns(customer_segments, ["customer_id", *SEGMENT_KEYS], "customer_segments")
    for name, table in ((dataset, frame), ("customer_segments", customer_segments)):
        if table["customer_id"].duplicated().any():
            raise InputValidationError(
                f"{int(table['customer_id'].duplicated().sum())} duplicated customer_id values",
                "keep one row per customer",
                dataset=name,
                column="customer_id",
            )
    segments = customer_segments[["customer_id", *SEGMENT_KEYS]].astype({"customer_id": str})
    merged = frame.astype({"customer_id": str}).merge(
        segments, on="customer_id", how="inner", validate="one_to_one"
    )
    if len(merged) < len(segments):
        missing = segments.loc[~segments["customer_id"].isin(merged["customer_id"]), "customer_id"]
        raise InputValidationError(
            f"{len(missing)} segmented customers have no row here (e.g. {missing.iloc[0]!r})",
            "run feature engineering and clustering on the same data so the customers match",
            dataset=dataset,
            column="customer_id",
        )
    return merged


def figure_to_base64(fig: Figure) -> str:
    """PNG of ``fig`` as base64 text, ready for a ``data:image/png;base64,`` URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
