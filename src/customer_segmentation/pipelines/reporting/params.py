"""The ``reporting`` parameter group (conf/base/parameters_reporting.yml), typed.

Where the checks had their own wording before the models (figure size, palette, significance
level, positive integers), wrap validators keep it: the field's type still says the rule, and
any value it rejects is reported with the same problem and fix as before.
"""

from __future__ import annotations

from typing import Any, Literal

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from pydantic import Field, ValidatorFunctionWrapHandler, field_validator

from customer_segmentation.parameters import Parameters, invalid

#: Data rows an Excel sheet holds below its header row.
EXCEL_MAX_ROWS = 1_048_575


class PlotStyle(Parameters):
    """Colours and sizes every reporting figure shares (``reporting.style``)."""

    #: One colour per segment in cluster order; repeats when there are more segments.
    palette: tuple[str, ...] = Field(min_length=1)
    #: Width and height in inches of a single-panel figure.
    figure_size: tuple[float, float]
    dpi: int = Field(gt=0)
    diverging_cmap: str
    sequential_cmap: str

    @field_validator("palette", mode="wrap")
    @classmethod
    def _palette_not_empty(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, list | tuple) and not value:
            raise invalid("is empty", "list at least one colour")
        return handler(value)

    @field_validator("figure_size", mode="wrap")
    @classmethod
    def _figure_size_positive(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        problem, fix = f"is {_shown(value)}", "give [width, height] in inches > 0"
        try:
            size: tuple[float, float] = handler(value)
        except ValueError:  # not two numbers (pydantic's ValidationError is a ValueError)
            raise invalid(problem, fix) from None
        if min(size) <= 0:
            raise invalid(problem, fix)
        return size

    @field_validator("dpi", mode="wrap")
    @classmethod
    def _dpi_positive(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _positive_int(value, handler)

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


class NumberFormats(Parameters):
    """How the workbook shows money, shares and other numbers (``reporting.formats``).

    Only the display changes: every cell keeps its full value, so sorting, filtering and sums
    in the spreadsheet are exact. Thousands and decimal separators follow the reader's own
    spreadsheet settings (Excel and LibreOffice apply the locale).
    """

    #: Shown with every amount, e.g. ``€``, ``$``, ``£``, ``CHF``; empty for plain numbers
    #: (the default: the raw data says nothing about its currency).
    currency_symbol: str = Field(max_length=8)
    #: ``prefix`` (``$1,234.50``) or ``suffix`` (``1,234.50 €``).
    currency_position: Literal["prefix", "suffix"]
    money_decimals: int = Field(ge=0, le=6)
    #: Other measured values: days, orders, products, statistics.
    decimals: int = Field(ge=0, le=6)
    #: Percentages (``13.3%``).
    share_decimals: int = Field(ge=0, le=6)
    #: Model scores (silhouette, stability, eta squared, distances); p-values below
    #: ``10 ** -score_decimals`` show as ``< 0.001`` (with 3).
    score_decimals: int = Field(ge=1, le=6)
    #: Features that are amounts of money (their means and medians too), e.g. ``monetary``.
    money_features: tuple[str, ...]
    #: Features that are shares between 0 and 1, shown as percentages, e.g. ``return_rate``.
    share_features: tuple[str, ...]

    def amount(self, feature: str, value: float) -> str:
        """A value of ``feature`` as the report shows it: money with its symbol and decimals,
        shares as percentages, anything else with ``decimals``; thousands separated."""
        if feature in self.share_features:
            return f"{value:.{self.share_decimals}%}"
        if feature not in self.money_features:
            return f"{value:,.{self.decimals}f}"
        number = f"{value:,.{self.money_decimals}f}"
        if not self.currency_symbol:
            return number
        if self.currency_position == "prefix":
            return f"{self.currency_symbol}{number}"
        return f"{number} {self.currency_symbol}"

    @field_validator("currency_symbol")
    @classmethod
    def _symbol_has_no_quote(cls, value: str) -> str:
        if '"' in value or "\\" in value:
            raise invalid(f"is {value!r}", "write the symbol without quotes or backslashes")
        return value


class ReportingParams(Parameters):
    """The ``reporting`` group: what the segment report shows and how its figures look."""

    title: str
    #: Unit text per raw feature, e.g. ``recency: days``; other features show ``value``.
    feature_units: dict[str, str]
    #: Reader's name per feature in tables and figures, e.g. ``mean_days_between_purchases:
    #: days between orders``; other features show their column name.
    feature_labels: dict[str, str]
    #: Per feature, which way is better for the business (``higher`` or ``lower``): the
    #: centroid heat map colours a segment better or worse than the average customer.
    #: Features not listed are shown without a colour.
    better_when: dict[str, Literal["higher", "lower"]]
    #: Raw features profiled per segment; each must be a column of customer_features.
    profile_features: tuple[str, ...]
    #: Column summed as revenue; revenue columns are left out when it is missing.
    revenue_column: str
    boxplot_features: tuple[str, ...]
    boxplot_show_outliers: bool
    histogram_bins: int = Field(gt=0)
    #: Above these sizes the PCA scatter and the silhouette plot use a fixed-seed sample.
    pca_sample_size: int = Field(gt=0)
    silhouette_sample_size: int = Field(gt=0)
    random_seed: int = Field(ge=0)
    #: Family-wise level of the feature tests (divided by the number of features).
    significance_level: float = Field(gt=0, lt=1)
    #: Smallest eta squared that counts as a separating feature (a share, 0-1).
    min_effect_size: float = Field(ge=0, le=1)
    #: The report shows the plotly charts (plotly.js inline) in place of their PNG figures.
    interactive_charts: bool
    #: Segment cards carry their customers as an embedded CSV up to this many customers in all.
    max_embedded_customers: int = Field(ge=0)
    #: Customers listed in the workbook's customer_segments sheet at most (Excel's row limit).
    workbook_max_customers: int = Field(ge=0, le=EXCEL_MAX_ROWS)
    #: Number formats of the workbook: currency symbol, decimals, money and share features.
    formats: NumberFormats
    #: Column of optuna_trials that the study optimised, and its direction.
    optuna_objective: str
    optuna_direction: Literal["maximize", "minimize"]
    style: PlotStyle

    @field_validator("histogram_bins", "pca_sample_size", "silhouette_sample_size", mode="wrap")
    @classmethod
    def _sizes_positive(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        return _positive_int(value, handler)

    @field_validator("significance_level", mode="wrap")
    @classmethod
    def _level_between_0_and_1(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValueError:
            raise invalid(f"is {_shown(value)}", "use a value between 0 and 1, e.g. 0.01") from None

    def unit(self, feature: str) -> str:
        """Unit of a raw feature, e.g. ``days``; ``value`` when none is configured."""
        return self.feature_units.get(feature, "value")

    def label(self, feature: str) -> str:
        """The reader's name of a feature, e.g. ``days between orders``."""
        return self.feature_labels.get(feature, feature)

    def raw_label(self, feature: str) -> str:
        """Axis label for a feature in original units, e.g. ``recency (days)``."""
        return f"{self.label(feature)} ({self.unit(feature)})"


def _positive_int(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """``handler(value)`` (an int > 0), with the message the checks had before the models."""
    if isinstance(value, bool):  # YAML ``true`` is no count, though int(True) == 1
        raise invalid(f"is {value!r}", "use a positive integer")
    try:
        return handler(value)
    except ValueError:
        raise invalid(f"is {_shown(value)}", "use a positive integer") from None


def _shown(value: Any) -> str:
    """A value as the message shows it: lists as YAML writes them, text quoted."""
    if isinstance(value, tuple):
        value = list(value)
    return repr(value)
