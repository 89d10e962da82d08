"""The ``customer_table`` parameter group (conf/base/parameters_customer_table.yml), typed."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from customer_segmentation.errors import config_file
from customer_segmentation.model import CATEGORICAL_IMPUTERS, NUMERIC_IMPUTERS
from customer_segmentation.parameters import Parameters, check_listed_once, invalid

#: The file users edit; every fix names it (an environment may override the base values).
PARAMS_FILE = "parameters_customer_table.yml"


def _fix(text: str) -> str:
    return f"{text} in {config_file(PARAMS_FILE)}"


def _column_names(value: tuple[str, ...] | None) -> tuple[str, ...]:
    """A list of column names (``null`` = none), each non-blank and listed once."""
    if value is None:
        return ()
    if not all(name.strip() for name in value):
        raise invalid(f"is {list(value)!r}, not a list of column names", _fix("list column names"))
    check_listed_once(value, "lists {repeated} more than once", _fix("list each column once"))
    return value


class TableParsingParams(Parameters):
    """How text values of the table are read: separators, id decimals, tolerated failures."""

    decimal_separator: str
    thousands_separator: str | None
    # "13085.0" -> "13085": spreadsheet exports turn integer ids into floats
    strip_id_decimals: bool
    # share of the rows whose value in a numeric column may fail to parse (they are rejected)
    max_unparseable_share: float = Field(ge=0.0, lt=1.0)

    @field_validator("decimal_separator")
    @classmethod
    def _one_character(cls, value: str) -> str:
        if len(value) != 1:
            raise invalid(f"is {value!r}", _fix("set one character"))
        return value

    @model_validator(mode="after")
    def _separators_differ(self) -> TableParsingParams:
        thousands = self.thousands_separator
        if thousands is not None and (len(thousands) != 1 or thousands == self.decimal_separator):
            raise invalid(
                f"is {thousands!r}",
                _fix("set one character other than the decimal separator, or null"),
                key="thousands_separator",
            )
        return self


class ImputationParams(Parameters):
    """Strategies of the imputers inside the saved model (fitted on the run's customers)."""

    numeric: str
    categorical: str
    # the category missing values become with the "constant" strategy
    categorical_fill_value: str

    @field_validator("numeric")
    @classmethod
    def _numeric_strategy(cls, value: str) -> str:
        # the choices are the model package's (model.spec), whose builder makes the imputers
        if value not in NUMERIC_IMPUTERS:
            raise invalid(f"is {value!r}", _fix(f"use one of {', '.join(NUMERIC_IMPUTERS)}"))
        return value

    @field_validator("categorical")
    @classmethod
    def _categorical_strategy(cls, value: str) -> str:
        if value not in CATEGORICAL_IMPUTERS:
            raise invalid(f"is {value!r}", _fix(f"use one of {', '.join(CATEGORICAL_IMPUTERS)}"))
        return value

    @field_validator("categorical_fill_value")
    @classmethod
    def _fill_text(cls, value: str) -> str:
        if not value:
            raise invalid(f"is {value!r}", _fix("set a text, e.g. missing"))
        return value


class TableModelParams(Parameters):
    """What the clustering model sees: features, log1p, outlier caps, imputation, weight."""

    # null = every declared column, in declared order (see CustomerTableParams.model_features)
    features: tuple[str, ...] | None
    log1p_features: tuple[str, ...] | None
    # [lower, upper]; a sequence, so a wrong length gets the message below, not "index 1 missing"
    cap_quantiles: tuple[float, ...]
    imputation: ImputationParams
    # multiplies the one-hot columns of the categorical features
    categorical_weight: float = Field(gt=0.0)

    @field_validator("features", "log1p_features")
    @classmethod
    def _names(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        # keep null (= all declared columns for features); only check the names
        return None if value is None else _column_names(value)

    @model_validator(mode="after")
    def _quantiles_ordered(self) -> TableModelParams:
        quantiles = self.cap_quantiles
        if len(quantiles) != 2 or not 0 <= quantiles[0] < quantiles[1] <= 1:
            raise invalid(
                f"is {list(self.cap_quantiles)!r}, must be [lower, upper] with "
                "0 <= lower < upper <= 1",
                _fix("set e.g. [0.0, 0.99]"),
                key="cap_quantiles",
            )
        return self


class CustomerTableParams(Parameters):
    """``customer_table:``: the declared columns of a customer table, its parsing and model."""

    id_column: str
    # null = no column of that kind
    numeric_columns: tuple[str, ...] | None
    categorical_columns: tuple[str, ...] | None
    parsing: TableParsingParams
    model: TableModelParams

    @field_validator("id_column")
    @classmethod
    def _id_text(cls, value: str) -> str:
        if not value.strip():
            raise invalid(f"is {value!r}", _fix("set the name of the customer id column"))
        return value

    @field_validator("numeric_columns", "categorical_columns")
    @classmethod
    def _names(cls, value: tuple[str, ...] | None) -> tuple[str, ...]:
        return _column_names(value)

    @model_validator(mode="after")
    def _columns_consistent(self) -> CustomerTableParams:
        numeric, categorical = self.numeric, self.categorical
        both = sorted(set(numeric) & set(categorical))
        if both:
            raise invalid(
                f"{both} are declared both numeric and categorical",
                _fix("declare each column in one list"),
                key="categorical_columns",
            )
        if self.id_column in numeric or self.id_column in categorical:
            raise invalid(
                f"{self.id_column!r} is also declared as a feature column",
                _fix("remove the id from numeric_columns / categorical_columns"),
                key="id_column",
            )
        declared = [*numeric, *categorical]
        features = self.model_features
        unknown = [feature for feature in features if feature not in declared]
        if unknown:
            raise invalid(
                f"{unknown} are not declared columns (declared: {declared})",
                _fix("list only columns of numeric_columns / categorical_columns, or null for all"),
                key="model.features",
            )
        if not any(feature in numeric for feature in features):
            raise invalid(
                f"{list(features)} has no numeric column; k-means needs at least one",
                _fix("declare at least one numeric column and keep it in model.features"),
                key="model.features",
            )
        not_numeric = [f for f in self.model.log1p_features or () if f not in numeric]
        if not_numeric:
            raise invalid(
                f"{not_numeric} are not numeric columns",
                _fix(
                    "list only columns of numeric_columns (those not in model.features are ignored)"
                ),
                key="model.log1p_features",
            )
        return self

    @property
    def numeric(self) -> tuple[str, ...]:
        """The declared numeric columns (none when ``numeric_columns`` is null)."""
        return self.numeric_columns or ()

    @property
    def categorical(self) -> tuple[str, ...]:
        """The declared categorical columns (none when ``categorical_columns`` is null)."""
        return self.categorical_columns or ()

    @property
    def model_features(self) -> tuple[str, ...]:
        """The model's features: ``model.features``, or every declared column when null."""
        return self.model.features or (*self.numeric, *self.categorical)

    @property
    def numeric_features(self) -> tuple[str, ...]:
        """The numeric model features, in model order."""
        return tuple(f for f in self.model_features if f in self.numeric)

    @property
    def categorical_features(self) -> tuple[str, ...]:
        """The categorical model features, in model order."""
        return tuple(f for f in self.model_features if f in self.categorical)

    @property
    def log1p_features(self) -> tuple[str, ...]:
        """The numeric model features that get log1p, in model order."""
        log1p = self.model.log1p_features or ()
        return tuple(f for f in self.model_features if f in log1p)
