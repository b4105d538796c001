"""Cox and AFT regressions through lifelines, on either clock of a customer's life.

- the *age* clock (:func:`fit_churn_model`): time from the first order to churn, one row
  per customer of a :func:`~growthkit.churn.survival_table`;
- the *inter-purchase* clock (:func:`~growthkit.churn.fit_gap_model`): time from an order
  to the next one, one row per gap.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.churn._checks import (
    MODEL_KINDS,
    ModelKind,
    check_covariates,
    check_horizons,
    check_table,
    durations,
    lifelines_calls,
    numeric,
)
from growthkit.churn._rule import check_horizon, days_since_last, resolve_inactivity, silence_window
from growthkit.errors import DataError, SchemaError

__all__ = ["ChurnModel", "Clock", "compress_rows", "fit_churn_model", "fit_frame"]

Clock = Literal["age", "gap"]


def _lifelines_class(kind: ModelKind) -> Callable[..., Any]:
    from lifelines import CoxPHFitter, LogNormalAFTFitter, WeibullAFTFitter

    return cast(
        Callable[..., Any],
        {"coxph": CoxPHFitter, "weibull": WeibullAFTFitter, "lognormal": LogNormalAFTFitter}[kind],
    )


def compress_rows(
    frame: pd.DataFrame, *, censored_only: bool, event_col: str = "churned"
) -> pd.DataFrame:
    """Collapse identical rows into one row with an integer ``__weight__`` (their count).

    With ``censored_only`` the event rows stay one per customer (weight 1): lifelines'
    Efron tie correction counts a weighted event row as one death, so only censored rows
    (which enter the partial likelihood through weighted risk-set sums alone) can be
    merged without changing a Cox fit.
    """
    if censored_only:
        events = frame[event_col].to_numpy() > 0
        kept = frame.loc[events].reset_index(drop=True)
        kept["__weight__"] = 1.0
        merged = compress_rows(frame.loc[~events], censored_only=False)
        return pd.concat([kept, merged], ignore_index=True)
    counts = frame.groupby(list(frame.columns), sort=True).size()
    out = counts.index.to_frame(index=False)
    out["__weight__"] = counts.to_numpy(dtype=np.float64)
    return out


def _frozen(series: pd.Series) -> pd.Series:
    """A copy whose values are read-only (the result hands out copies of it)."""
    values = series.to_numpy(dtype=np.float64, copy=True)
    values.flags.writeable = False
    return pd.Series(values, index=series.index.copy(), name=series.name, copy=False)


@dataclass(frozen=True, slots=True, eq=False)
class ChurnModel:
    """A fitted survival regression (Cox or AFT) on survival-table covariates.

    Attributes
    ----------
    kind
        ``"coxph"``, ``"weibull"`` or ``"lognormal"``.
    covariates
        The covariate columns, in fit order.
    fitter
        The fitted lifelines fitter (``CoxPHFitter``, ``WeibullAFTFitter`` or
        ``LogNormalAFTFitter``): every lifelines method is available on it.
    coefficients
        Covariate coefficients (a fresh copy on each access): log hazard ratios for Cox;
        effects on log time (of ``lambda_`` for Weibull, ``mu_`` for log-normal) for AFT
        models. On the inter-purchase clock the event is the next order, not churn.
    means
        Covariate means of the fitted rows (centre of the driver contributions).
    n_customers
        Customers fitted.
    n_rows
        Rows passed to lifelines after compressing identical rows into weights.
    n_excluded
        Rows left out of an AFT fit because their duration is 0 (a right-censored zero
        duration adds nothing to the likelihood); always 0 for Cox.
    clock
        ``"age"`` (:func:`fit_churn_model`: time from the first order to churn) or
        ``"gap"`` (:func:`~growthkit.churn.fit_gap_model`: time from an order to the next).

    Notes
    -----
    Two models are ``==`` when every field above and the fitter's parameter table are
    exactly equal (lifelines fitters define no equality of their own). Pickles round-trip.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import fit_churn_model, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> cox = fit_churn_model(table, covariates=["orders"])
    >>> cox.n_customers, cox.n_rows  # censored customers sharing a row are merged
    (2357, 2319)
    >>> round(float(cox.coefficients["orders"]), 3)
    -0.588
    >>> cox.churn_probability(table.head(3), horizon_days=30).round(3)
    customer_id
    1    0.155
    2    0.177
    3    0.331
    Name: churn_probability, dtype: float64
    """

    kind: ModelKind
    covariates: tuple[str, ...]
    fitter: Any
    _coefficients: pd.Series
    _means: pd.Series
    n_customers: int
    n_rows: int
    n_excluded: int = 0
    clock: Clock = "age"

    @property
    def coefficients(self) -> pd.Series:
        """Covariate coefficients (a copy)."""
        return self._coefficients.copy()

    @property
    def means(self) -> pd.Series:
        """Covariate means of the fitted rows (a copy)."""
        return self._means.copy()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ChurnModel):
            return NotImplemented
        same = (
            (self.kind, self.covariates, self.n_customers, self.n_rows, self.n_excluded)
            == (other.kind, other.covariates, other.n_customers, other.n_rows, other.n_excluded)
            and self.clock == other.clock
            and self._coefficients.equals(other._coefficients)
            and self._means.equals(other._means)
        )
        return bool(same and self.fitter.params_.equals(other.fitter.params_))

    __hash__ = None  # type: ignore[assignment]

    def summary(self) -> pd.DataFrame:
        """Return lifelines' coefficient table (estimates, standard errors, CIs, p-values)."""
        return cast(pd.DataFrame, self.fitter.summary.copy())

    def _design(self, table: pd.DataFrame) -> pd.DataFrame:
        """The model's covariates of ``table``, checked: present, numeric and finite."""
        if not isinstance(table, pd.DataFrame):
            raise SchemaError(
                v.message("table", f"must be a pandas DataFrame, got {type(table).__name__}", 0)
            )
        if len(table) == 0:
            raise DataError(v.message("table", "is empty", 0, "Pass at least one customer."))
        missing = [c for c in self.covariates if c not in table.columns]
        if missing:
            raise SchemaError(
                v.message(missing[0], "covariate of the model not found in the table", len(table))
            )
        columns = {c: numeric(table, c, allow_bool=True) for c in self.covariates}
        for c, values in columns.items():
            bad = int(np.count_nonzero(~np.isfinite(values)))
            if bad:
                raise DataError(v.message(c, "has missing or infinite values", bad))
        return pd.DataFrame(columns, index=table.index)

    def survival_function(self, table: pd.DataFrame, times: npt.ArrayLike) -> pd.DataFrame:
        """S(t | x) per customer (rows) at each time in days (columns), on the model's clock."""
        grid = check_horizons(times)
        sf = self.fitter.predict_survival_function(self._design(table), times=grid)
        return pd.DataFrame(
            np.asarray(sf.to_numpy(dtype=np.float64)).T,
            index=table.index,
            columns=pd.Index(grid, name="days"),
        )

    def survival_at(self, horizons: npt.ArrayLike, table: pd.DataFrame) -> pd.Series:
        """Return the population survival at each horizon: mean of S(t | x) over the rows."""
        return self.survival_function(table, horizons).mean(axis=0).rename("survival")

    def median_lifetime(self, table: pd.DataFrame) -> pd.Series:
        """Median duration (days) per customer on the model's clock; ``inf`` if never reached."""
        med = self.fitter.predict_median(self._design(table))
        return pd.Series(
            np.asarray(med, dtype=np.float64).reshape(-1),
            index=table.index,
            name="median_lifetime",
        )

    def _conditional(
        self,
        x: pd.DataFrame,
        after: npt.NDArray[np.float64],
        length: npt.NDArray[np.float64],
        exhausted: float,
    ) -> npt.NDArray[np.float64]:
        """``S(after + length | x) / S(after | x)`` per row (lifelines' ``conditional_after``).

        ``exhausted`` stands for 0/0, where the model's survival is already 0 at ``after``.
        """
        # lifelines takes one grid of times for all rows: ask for every distinct length
        # once and keep, per row, its own.
        lengths, inverse = np.unique(length, return_inverse=True)
        sf = self.fitter.predict_survival_function(x, times=lengths, conditional_after=after)
        grid = np.asarray(sf.to_numpy(dtype=np.float64)).reshape(len(lengths), len(x))
        s = grid[inverse.reshape(-1), np.arange(len(x))]
        return np.asarray(np.clip(np.nan_to_num(s, nan=exhausted), 0.0, 1.0))

    def churn_probability(
        self,
        table: pd.DataFrame,
        *,
        horizon_days: float,
        inactivity_days: int | None = None,
    ) -> pd.Series:
        """P(churn within ``horizon_days``) per customer of a survival table.

        Under the churn rule (``inactivity_days`` given, or always on the inter-purchase
        clock, where ``None`` reads it from the table): with ``d = days_since_last`` and
        ``k = inactivity_days``, 0 unless ``d + h > k``, else

        - inter-purchase clock: ``S(k + 1 | x) / S(d | x)``, the current gap outlasting
          ``k`` days (no order in the next ``k + 1 - d`` days);
        - age clock: ``1 - S(t + h - 1 | x) / S(a - 1 | x)`` with ``t = duration`` and
          ``a = t - d + k`` the churn age if no order comes: the age model conditioned on
          what the gap tells (churn cannot come before ``a``). The age clock knows the gap
          only through this bound; prefer the inter-purchase clock or a BTYD model.

        Age clock without ``inactivity_days`` (the historical score):
        ``1 - S(t + h | x) / S(t | x)`` (lifelines' ``conditional_after``).
        """
        if self.clock == "age" and inactivity_days is None:
            h = float(check_horizons(horizon_days)[0])
            x = self._design(table)
            t = durations(table)
            p = 1.0 - self._conditional(x, t, np.full(len(t), h), exhausted=0.0)
            return pd.Series(p, index=table.index, name="churn_probability")
        table = check_table(table)
        k = resolve_inactivity(table, inactivity_days)
        h = check_horizon(horizon_days, k)
        d = days_since_last(table)
        eligible, w = silence_window(d, h, k)
        p = np.zeros(len(table), dtype=np.float64)
        rows = np.flatnonzero(eligible)
        if rows.size:
            x = self._design(table.iloc[rows])
            if self.clock == "gap":
                p[rows] = self._conditional(x, d[rows], w[rows], exhausted=1.0)
            else:
                t = durations(table)[rows]
                before = t - d[rows] + k - 1.0
                length = d[rows] + np.floor(h) - k
                p[rows] = 1.0 - self._conditional(x, before, length, exhausted=0.0)
        return pd.Series(p, index=table.index, name="churn_probability")

    def risk_contributions(self, table: pd.DataFrame) -> pd.DataFrame:
        """Per-customer contribution of each covariate to the churn risk.

        ``s * beta_j * (x_ij - mean_j)`` with the sign ``s`` that makes a positive value
        push the customer towards churning: ``+1`` for Cox on the age clock (hazard of
        churn) and AFT on the inter-purchase clock (log time to the next order), ``-1`` for
        AFT on the age clock and Cox on the inter-purchase clock (hazard of ordering).
        """
        x = self._design(table).to_numpy(dtype=np.float64)
        beta = self._coefficients.to_numpy(dtype=np.float64)
        sign = 1.0 if (self.kind == "coxph") == (self.clock == "age") else -1.0
        contrib = sign * (x - self._means.to_numpy(dtype=np.float64)) * beta
        return pd.DataFrame(contrib, index=table.index, columns=list(self.covariates))

    def to_frame(self) -> pd.DataFrame:
        """Return the coefficient table (same as :meth:`summary`)."""
        return self.summary()

    def __str__(self) -> str:
        coefs = ", ".join(f"{k}={val:.4g}" for k, val in self._coefficients.items())
        clock = "" if self.clock == "age" else ", inter-purchase clock"
        return (
            f"ChurnModel({self.kind}{clock}, {self.n_customers} customers in {self.n_rows} "
            f"rows)\ncoefficients: {coefs}"
        )


def _check_durations_vary(data: pd.DataFrame, kind: ModelKind) -> None:
    """Refuse fits that one common duration makes meaningless (before lifelines fails).

    With every row at the same duration (e.g. all first and last orders on one day) an AFT
    likelihood has no time scale (lifelines does not converge), and Cox's partial
    likelihood is flat when every row is an event (one risk set, all events).
    """
    duration = data["duration"].to_numpy()
    if duration.size == 0 or np.any(duration != duration[0]):
        return
    days = f"{duration[0]:g} days"
    if kind != "coxph":
        raise DataError(
            v.message(
                "duration",
                f"is {days} for every customer, so a parametric model has no time scale "
                "to estimate",
                len(data),
                'Use model="coxph", or a window in which customers start on different days.',
            )
        )
    if data["event"].to_numpy().all():
        raise DataError(
            v.message(
                "duration",
                f"is {days} for every customer and every one churned, so the Cox partial "
                "likelihood is flat",
                len(data),
                "Use a window in which customers start on different days.",
            )
        )


def check_penalizer(penalizer: object) -> float:
    """``penalizer`` as a finite float >= 0."""
    try:
        pen = float(penalizer)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        pen = float("nan")
    if not (np.isfinite(pen) and pen >= 0):
        raise DataError(
            v.message("penalizer", f"must be a finite number >= 0, got {penalizer!r}", 1)
        )
    return pen


def fit_frame(
    data: pd.DataFrame,
    *,
    kind: ModelKind,
    names: tuple[str, ...],
    penalizer: float,
    compress: bool,
    n_customers: int,
    clock: Clock,
) -> ChurnModel:
    """Fit lifelines on ``data`` (covariates, ``duration``, ``event``) and wrap the result."""
    excluded = 0
    if kind != "coxph":
        keep = data["duration"].to_numpy() > 0
        excluded = int(np.count_nonzero(~keep))
        if excluded:
            data = data.loc[keep].reset_index(drop=True)
        if len(data) == 0:
            raise DataError(
                v.message(
                    "duration",
                    f"is 0 for every customer: a {kind} model needs positive durations",
                    excluded,
                    "Use coxph, or customers observed for at least a day.",
                )
            )
    _check_durations_vary(data, kind)
    means = data[list(names)].mean(axis=0)
    weights: str | None = None
    if compress:
        data = compress_rows(data, censored_only=kind == "coxph", event_col="event")
        weights = "__weight__"
    fitter = _lifelines_class(kind)(penalizer=penalizer)
    options: dict[str, Any] = {}
    if kind == "coxph" and clock == "gap":
        # lifelines' default Newton step (0.95) overshoots to exp() overflow on gap rows of
        # real logs (CDNOW to 1997-12-31: NaN at the first step); half steps reach the
        # same maximum.
        options["fit_options"] = {"step_size": 0.5}
    with lifelines_calls(f"{kind} fit"):
        fitter.fit(data, duration_col="duration", event_col="event", weights_col=weights, **options)
    params = fitter.params_
    if kind == "coxph":
        coefs = params.reindex(list(names))
    else:
        key = "lambda_" if kind == "weibull" else "mu_"
        coefs = params.loc[key].reindex(list(names))
    coefficients = pd.Series(coefs.to_numpy(dtype=np.float64), index=list(names), name="coef")
    return ChurnModel(
        kind=kind,
        covariates=names,
        fitter=fitter,
        _coefficients=_frozen(coefficients),
        _means=_frozen(means.rename("mean")),
        n_customers=n_customers - (excluded if clock == "age" else 0),
        n_rows=len(data),
        n_excluded=excluded,
        clock=clock,
    )


def fit_churn_model(
    table: pd.DataFrame,
    *,
    model: ModelKind = "coxph",
    covariates: Sequence[str] | None = None,
    penalizer: float = 0.0,
    compress: bool = True,
) -> ChurnModel:
    r"""Fit a Cox proportional-hazards or parametric AFT model with lifelines (age clock).

    Parameters
    ----------
    table
        A :func:`survival_table` (or any frame with ``duration``, ``churned`` and numeric
        covariate columns).
    model
        ``"coxph"`` (``lifelines.CoxPHFitter``, Efron ties), ``"weibull"``
        (``WeibullAFTFitter``) or ``"lognormal"`` (``LogNormalAFTFitter``).
    covariates
        Numeric (or bool, fitted as 0/1) columns; defaults to ``orders``,
        ``mean_gap_days`` and ``spend`` (when present).
    penalizer
        lifelines' L2 penalty (0 = plain maximum likelihood).
    compress
        Collapse customers with identical (duration, churned, covariates) into one row
        weighted by their count before calling lifelines (censored customers only for
        Cox; see Notes). The fit is the same; only the time changes.

    Returns
    -------
    ChurnModel
        Typed wrapper (``clock="age"``); the lifelines fitter is ``.fitter``.

    Raises
    ------
    SchemaError
        Unknown or non-numeric covariates, or ``model`` not one of the three.
    DataError
        No customer churned (nothing to fit), a covariate has zero variance or missing
        values, or every customer has the same duration (AFT; Cox when all of them
        churned): e.g. all purchases on one day.
    ConvergenceError
        lifelines did not converge.

    Notes
    -----
    Cox: :math:`h(t \mid x) = h_0(t) \exp(\beta^\top x)` (Cox 1972). Weibull AFT:
    :math:`S(t \mid x) = \exp(-(t / \lambda(x))^\rho)` with
    :math:`\log \lambda(x) = \beta_0 + \beta^\top x`; log-normal AFT:
    :math:`\log T = \mu(x) + \sigma \varepsilon`, :math:`\varepsilon \sim N(0, 1)`.

    This model describes the time from the first order to churn (survival curves, hazard
    ratios). It does not see how long the current customer has been silent, which is what
    decides churn within a short horizon: for early-warning probabilities use
    :func:`~growthkit.churn.fit_gap_model` or a BTYD model (see
    :func:`~growthkit.churn.early_warning`).

    *Compression.* In the AFT likelihoods an integer weight ``w`` is a multiplicity, so a
    row with weight ``w`` is exactly ``w`` identical rows: coefficients and (non-robust)
    standard errors equal those of the uncompressed fit. In Cox's partial likelihood that
    holds for censored rows only: lifelines' Efron tie correction counts a weighted *event*
    row as one death (its documentation notes that weights and replicated rows then
    differ), so for ``"coxph"`` only censored customers are merged and every churner keeps
    its own row. Sandwich (``robust=True``) errors would treat each weighted row as one
    cluster and are not used. Customers share rows when covariates are discrete
    (``orders``, ``mean_gap_days``); a continuous covariate such as ``spend`` leaves few
    ties and compression then changes little.

    *Covariate choice.* ``days_since_last`` and ``tenure_days`` are measured at
    ``observation_end``, after a churner's event: ``days_since_last > inactivity_days``
    is the churn rule itself, so they leak the outcome into the fit and are not defaults.

    AFT likelihoods need positive durations; customers whose first order falls on the day
    of ``observation_end`` (censored at 0) carry no information and are left out
    (``n_excluded``).

    References
    ----------
    Cox, D. R. (1972). Regression models and life-tables. *JRSS B* 34(2), 187-220.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import fit_churn_model, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow(), amount_col="amount")
    >>> cox = fit_churn_model(table, covariates=["orders", "mean_gap_days"])
    >>> bool(cox.coefficients["orders"] < 0)  # more orders, lower hazard
    True
    """
    table = check_table(table)
    kind = v.check_choice("model", model, MODEL_KINDS)
    names = check_covariates(table, covariates)
    pen = check_penalizer(penalizer)
    events = table["churned"].to_numpy(dtype=bool)
    if not events.any():
        raise DataError(
            v.message(
                "churned",
                "has no churned customers, so there is nothing to fit",
                len(table),
                "Use a longer observation window or a shorter inactivity_days.",
            )
        )
    data = pd.DataFrame({c: numeric(table, c, allow_bool=True) for c in names})
    data["duration"] = numeric(table, "duration")
    data["event"] = events.astype(np.float64)
    return fit_frame(
        data,
        kind=kind,
        names=names,
        penalizer=pen,
        compress=compress,
        n_customers=len(table),
        clock="age",
    )
