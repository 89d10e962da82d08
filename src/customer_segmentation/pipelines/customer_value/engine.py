"""The one place that calls ``lifetimes`` (BG/NBD and Gamma-Gamma, Fader, Hardie and Lee).

Why this library: docs/customer_value.md. Four habits of lifetimes 0.11.3 (2020) are
contained here, so the nodes never meet them:

- its modules, when imported, and its likelihoods, on every evaluation, call
  ``warnings.simplefilter("ignore", FutureWarning)``, which would silence FutureWarnings for
  the rest of the run: the import and every call run inside ``warnings.catch_warnings()``,
  which restores the filters;
- a fit that does not converge prints scipy's result to stdout before it raises: the print
  is captured and the error becomes one line that names the penalizer to raise;
- ``predict`` (what ``customer_lifetime_value`` calls) is attached by ``fit``: a model
  rebuilt from saved parameters gets it here;
- after each fit it computes the likelihood's Hessian by automatic differentiation, for
  standard errors the project never reads (a third of the fit's time on 500,000 customers):
  the fitters here skip it, so their standard errors are NaN; the parameters are the same.

Models travel between nodes as their parameters (plain floats, saved as JSON), not as
fitted objects: :func:`bg_nbd` and :func:`gamma_gamma` rebuild them.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from customer_segmentation.errors import InputValidationError, config_file

from .params import PARAMS_FILE, ModelFit

with warnings.catch_warnings():
    # lifetimes' modules call warnings.simplefilter("ignore", FutureWarning) when imported,
    # which would hide every FutureWarning of the run
    from autograd import value_and_grad
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import ConvergenceError
    from scipy.optimize import minimize

BG_NBD_PARAMETERS = ("r", "alpha", "a", "b")
GAMMA_GAMMA_PARAMETERS = ("p", "q", "v")
#: The columns of a customer's purchase history, all BG/NBD's predictions depend on.
HISTORY = ["frequency", "recency", "T"]
#: Time units in a month, as lifetimes' ``customer_lifetime_value`` counts them.
UNITS_PER_MONTH = {"D": 30.0, "W": 4.345}


class _WithoutHessian:
    """lifetimes' ``BaseFitter._fit`` (0.11.3), the same minimisation, without the Hessian."""

    def _fit(  # noqa: PLR0917 - lifetimes passes tol by position
        self,
        minimizing_function_args: tuple[Any, ...],
        initial_params: np.ndarray | None,
        params_size: int,
        disp: bool,
        tol: float = 1e-7,
        bounds: Any = None,
        **kwargs: Any,
    ) -> tuple[np.ndarray, float, np.ndarray]:
        x0 = 0.1 * np.ones(params_size) if initial_params is None else initial_params
        output = minimize(
            value_and_grad(self._negative_log_likelihood),
            jac=True,
            method=None,
            tol=tol,
            x0=x0,
            args=minimizing_function_args,
            options={"disp": disp, **kwargs},
            bounds=bounds,
        )
        if not output.success:
            raise ConvergenceError("The model did not converge.")
        return output.x, output.fun, np.full((params_size, params_size), np.nan)


class _BetaGeoFitter(_WithoutHessian, BetaGeoFitter):
    """BG/NBD fitter without standard errors."""


class _GammaGammaFitter(_WithoutHessian, GammaGammaFitter):
    """Gamma-Gamma fitter without standard errors."""


@contextlib.contextmanager
def _contained(parameter: str) -> Iterator[None]:
    """Warnings filters restored, stdout kept, non-convergence as a one-line error."""
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        try:
            yield
        except ConvergenceError:
            raise InputValidationError(
                "the model did not converge on these customers",
                f"raise {parameter} (e.g. 0.001, then 0.01) in {config_file(PARAMS_FILE)}",
                parameter=parameter,
            ) from None


def fit_bg_nbd(
    frequency: pd.Series, recency: pd.Series, T: pd.Series, fit: ModelFit
) -> dict[str, float]:
    """BG/NBD parameters (r, alpha per time unit, a, b), by maximum likelihood.

    Customers with the same (frequency, recency, T) are fitted once with their count as
    weight: the same likelihood, far fewer terms on large customer bases.
    """
    groups = (
        pd.DataFrame({"frequency": frequency, "recency": recency, "T": T})
        .value_counts()
        .sort_index()
        .reset_index(name="weight")
    )
    with _contained("customer_value.bg_nbd.penalizer"):
        model = _BetaGeoFitter(penalizer_coef=fit.penalizer).fit(
            groups["frequency"],
            groups["recency"],
            groups["T"],
            weights=groups["weight"],
            tol=fit.tolerance,
        )
    return _parameters(model, BG_NBD_PARAMETERS)


def fit_gamma_gamma(
    frequency: pd.Series, monetary_value: pd.Series, fit: ModelFit
) -> dict[str, float]:
    """Gamma-Gamma parameters (p, q, v), on the customers with repeat purchases."""
    with _contained("customer_value.gamma_gamma.penalizer"):
        model = _GammaGammaFitter(penalizer_coef=fit.penalizer).fit(
            frequency, monetary_value, tol=fit.tolerance
        )
    return _parameters(model, GAMMA_GAMMA_PARAMETERS)


def _parameters(model: Any, names: tuple[str, ...]) -> dict[str, float]:
    return {name: float(model.params_[name]) for name in names}


def _rebuilt(model: Any, parameters: dict[str, float], names: tuple[str, ...]) -> Any:
    model.params_ = pd.Series([parameters[name] for name in names], index=list(names))
    return model


def bg_nbd(parameters: dict[str, float]) -> BetaGeoFitter:
    """A BG/NBD model from saved parameters, ready to predict."""
    model = _rebuilt(BetaGeoFitter(), parameters, BG_NBD_PARAMETERS)
    model.predict = model.conditional_expected_number_of_purchases_up_to_time
    return model


def gamma_gamma(parameters: dict[str, float]) -> GammaGammaFitter:
    """A Gamma-Gamma model from saved parameters, ready to predict."""
    return _rebuilt(GammaGammaFitter(), parameters, GAMMA_GAMMA_PARAMETERS)


def _quiet(call: Callable[[], pd.Series]) -> np.ndarray:
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        return np.asarray(call(), dtype="float64")


def _histories(rfm: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The distinct (frequency, recency, T) histories, and each customer's row among them."""
    # both in the order histories are first seen
    codes = rfm.groupby(HISTORY, sort=False, dropna=False).ngroup().to_numpy()
    return rfm.loc[~rfm.duplicated(HISTORY), HISTORY], codes


def _cumulative_purchases(model: BetaGeoFitter, units: float, rfm: pd.DataFrame) -> np.ndarray:
    """Expected purchases of each row's history in the next ``units`` time units."""
    return _quiet(
        lambda: model.conditional_expected_number_of_purchases_up_to_time(
            units, rfm["frequency"], rfm["recency"], rfm["T"]
        )
    )


def expected_purchases(parameters: dict[str, float], units: float, rfm: pd.DataFrame) -> np.ndarray:
    """Expected purchases of each customer in the next ``units`` time units (BG/NBD)."""
    return _cumulative_purchases(bg_nbd(parameters), units, rfm)


def probability_alive(parameters: dict[str, float], rfm: pd.DataFrame) -> np.ndarray:
    """Probability that each customer is still active at the end of the data (BG/NBD)."""
    model = bg_nbd(parameters)
    return _quiet(
        lambda: model.conditional_probability_alive(rfm["frequency"], rfm["recency"], rfm["T"])
    )


def expected_spend(parameters: dict[str, float], rfm: pd.DataFrame) -> np.ndarray:
    """Expected mean spend per purchase of each customer (Gamma-Gamma; the mean if none)."""
    model = gamma_gamma(parameters)
    return _quiet(
        lambda: model.conditional_expected_average_profit(rfm["frequency"], rfm["monetary_value"])
    )


def lifetime_value(
    bg_nbd_parameters: dict[str, float],
    gamma_gamma_parameters: dict[str, float],
    rfm: pd.DataFrame,
    *,
    months: int,
    monthly_discount_rate: float,
    time_unit: str,
) -> np.ndarray:
    """Discounted value of each customer's purchases over ``months`` (lifetimes' CLV).

    lifetimes' ``customer_lifetime_value``, term for term and in its order, so the values are
    the same; but where it predicts the cumulative purchases of every customer twice a month
    (at the month's end and start, the previous month's end), each distinct prediction is
    made once, per distinct history (BG/NBD's predictions depend on the history alone, and
    many customers share one).
    """
    factor = UNITS_PER_MONTH[time_unit]
    ends = np.arange(1, months + 1) * factor
    starts = ends - factor
    model = bg_nbd(bg_nbd_parameters)
    histories, codes = _histories(rfm)
    cumulative = {
        units: _cumulative_purchases(model, units, histories)
        for units in np.unique(np.concatenate([starts, ends]))
    }
    spend = expected_spend(gamma_gamma_parameters, rfm)
    clv = np.zeros(len(rfm))
    for start, end in zip(starts, ends, strict=True):
        purchases = (cumulative[end] - cumulative[start])[codes]
        clv += spend * purchases / (1 + monthly_discount_rate) ** (end / factor)
    return clv
