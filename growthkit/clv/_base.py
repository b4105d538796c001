"""Shared machinery of the CLV models: input checks, row compression, MLE, model bases.

Every model follows one path: validate the summary arrays (with the checks of
:mod:`growthkit._validate`) -> compress identical rows into weights -> maximise the
log-likelihood over log-parameters with an analytic (or kernel) gradient -> invert the
observed information matrix for standard errors -> wrap the result in an immutable model.
:class:`FittedModel` holds what every model shares (parameter checks, the fit, equality,
pickling, the summary table); :class:`PurchaseModel` adds the ``fit`` and the prediction
plumbing of the continuous-time purchase models, which implement a few private hooks.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit._validate import (
    as_float_array,
    check_nonnegative,
    check_positive_int,
    check_positive_number,
    data_error,
    message,
    schema_error,
)
from growthkit.errors import ConvergenceError, DataError, SchemaError

__all__ = [
    "CUSTOMERS_FIX",
    "FittedModel",
    "Fit",
    "FloatArray",
    "PurchaseModel",
    "broadcast_summary",
    "check_frequency",
    "check_purchase_model",
    "check_rate",
    "check_summary",
    "column",
    "compress",
    "fit_log_params",
    "from_frame",
    "per_customer",
    "readonly",
    "std_errors",
    "summary_arrays",
    "times",
]

FloatArray = npt.NDArray[np.float64]

CUSTOMERS_FIX = "Drop or fill those customers."
"""The fix named by every "has NaN or infinite values" message of a summary column."""


def readonly(values: npt.ArrayLike) -> FloatArray:
    """Return a read-only float64 copy of ``values``."""
    out = np.array(values, dtype=np.float64)
    out.flags.writeable = False
    return out


def column(name: str, values: object) -> FloatArray:
    """A 1-D finite float column of a customer summary (``as_float_array``, customer fix)."""
    return as_float_array(name, values, ndim=1, fix=CUSTOMERS_FIX)


def times(name: str, values: npt.ArrayLike, *, negative: str = "is negative") -> FloatArray:
    """A finite, non-negative time (or time array), keeping its shape."""
    arr = as_float_array(name, values, fix=CUSTOMERS_FIX)
    bad = int(np.count_nonzero(arr < 0))
    if bad:
        raise data_error(name, negative, bad)
    return arr


def per_customer(
    name: str, values: npt.ArrayLike, n: int, *, negative: str = "is negative"
) -> FloatArray:
    """Broadcast a finite, non-negative scalar or one value per customer to ``n`` values."""
    flat = times(name, values, negative=negative).ravel()
    if flat.size not in (1, n):
        raise data_error(
            name,
            f"has {flat.size} values for {n} customers",
            flat.size,
            "Pass one value, or one per customer.",
        )
    return np.ascontiguousarray(np.broadcast_to(flat, (n,)), dtype=np.float64)


def check_rate(name: str, value: object, *, allow_zero: bool = False) -> float:
    """Return a finite scalar rate or length > 0 (>= 0 with ``allow_zero``) as a float.

    Like :func:`growthkit._validate.check_positive_number` (a non-number is a
    ``SchemaError``, a bad number a ``DataError``), in the wording the CLV messages pin.
    """
    problem = f"must be {'>= 0' if allow_zero else 'positive'}, got {value!r}"
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise schema_error(name, problem, 1)
    x = float(value)
    if not np.isfinite(x) or x < 0 or (x == 0 and not allow_zero):
        raise data_error(name, problem, 1)
    return x


def from_frame(first: object, rest: Sequence[object], columns: Sequence[str]) -> list[object]:
    """Take ``columns`` from a DataFrame passed as the first argument, else pass through."""
    if isinstance(first, pd.DataFrame):
        missing = [c for c in columns if c not in first.columns]
        if missing:
            raise SchemaError(
                message(
                    missing[0],
                    "column is missing from the summary",
                    len(first),
                    "Build it with growthkit.summary.customer_summary.",
                )
            )
        return [first[c].to_numpy() for c in columns]
    values = [first, *rest]
    for name, value in zip(columns, values, strict=True):
        if value is None:
            raise SchemaError(
                message(name, "is required when the first argument is not a DataFrame", 0)
            )
    return values


def _count(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.count_nonzero(mask))


def summary_arrays(names: Sequence[str], values: Sequence[object]) -> tuple[FloatArray, ...]:
    """Return summary columns as finite float arrays of one length, at least one row.

    Raises
    ------
    SchemaError
        A column that is not a 1-D numeric array-like.
    DataError
        NaN/inf, unequal lengths or no rows.
    """
    arrays = tuple(column(name, value) for name, value in zip(names, values, strict=True))
    size = arrays[0].size
    if any(a.size != size for a in arrays):
        others = arrays[1:]
        lead = "".join(f"and `{n}` " for n in names[2:])
        got = " and ".join(str(a.size) for a in others)
        raise data_error(
            names[1],
            f"{lead}must have the length of `{names[0]}` ({size}), got {got}",
            sum(abs(a.size - size) for a in others),
        )
    if size == 0:
        raise DataError(message(names[0], "is empty", 0, "Pass at least one customer."))
    return arrays


MAX_FREQUENCY = 2.0**53
"""Largest frequency accepted: above it float64 no longer holds every whole number."""


def check_frequency(x: FloatArray) -> None:
    """Reject non-integer frequencies and counts too large to be exact in float64.

    Near the float64 maximum the predictions overflow (1.7e308 purchases in 7 periods is
    inf), so the bound is where whole numbers stop being exact.
    """
    bad = _count(x != np.floor(x))
    if bad:
        raise data_error("frequency", "is not a whole number", bad, "It counts repeat purchases.")
    bad = _count(x > MAX_FREQUENCY)
    if bad:
        raise data_error(
            "frequency",
            "exceeds 2**53",
            bad,
            "Counts that large are not exact in float64; check the summary's units.",
        )


def check_summary(
    frequency: object, recency: object, T: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate a (frequency, recency, T) summary and return it as float arrays.

    Raises
    ------
    DataError
        NaN/inf, negative values, non-integer frequency, recency above T, positive recency
        with zero frequency, unequal lengths or no rows.
    """
    x, tx, t = summary_arrays(("frequency", "recency", "T"), (frequency, recency, T))
    for name, arr in (("frequency", x), ("recency", tx), ("T", t)):
        check_nonnegative(name, arr)
    check_frequency(x)
    bad = _count(tx > t)
    if bad:
        raise data_error(
            "recency",
            "is greater than `T`",
            bad,
            "Recency runs from the first to the last purchase and T from the first "
            "purchase to the end of observation, so recency <= T.",
        )
    bad = _count((x == 0) & (tx > 0))
    if bad:
        raise data_error(
            "recency",
            "is positive where `frequency` is 0",
            bad,
            "A customer without repeat purchases has recency 0.",
        )
    return x, tx, t


def broadcast_summary(
    frequency: object, recency: object, T: object
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validate a summary for prediction (DataFrame or arrays) and return flat arrays."""
    x, tx, t = from_frame(frequency, [recency, T], ("frequency", "recency", "T"))
    return check_summary(x, tx, t)


def check_weights(weights: object, n: int) -> FloatArray:
    """Validate per-row ``weights`` (non-negative, finite, one per row)."""
    if weights is None:
        return np.ones(n)
    w = column("weights", weights)
    if w.size != n:
        raise data_error("weights", f"must have one value per row ({n}), got {w.size}", w.size)
    check_nonnegative("weights", w)
    if not np.any(w > 0):
        raise data_error("weights", "sums to zero", n, "Give some rows positive weight.")
    return w


def factorize_rows(
    columns: Sequence[FloatArray],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Group identical rows: a group code per row and the first row of each group.

    Each column is factorised by hashing and the codes are combined into one integer key,
    which is much faster than sorting the float rows.
    """
    factorize: Any = pd.factorize
    n = columns[0].size
    key = np.zeros(n, dtype=np.int64)
    span = 1
    for c in columns:
        codes, uniques = factorize(c)
        if span * len(uniques) >= 2**62:
            key = np.asarray(factorize(key)[0], dtype=np.int64)
            span = int(key.max()) + 1
        key = key * len(uniques) + codes
        span *= len(uniques)
    group, uniques = factorize(key)
    first = np.empty(len(uniques), dtype=np.int64)
    first[group[::-1]] = np.arange(n - 1, -1, -1)
    return np.asarray(group, dtype=np.int64), first


def compress(
    columns: Sequence[FloatArray], weights: FloatArray
) -> tuple[list[FloatArray], FloatArray]:
    """Collapse identical rows of ``columns`` into distinct rows with summed weights.

    Zero-weight rows are dropped first: they do not contribute to the likelihood.
    """
    keep = weights > 0
    if not np.all(keep):
        columns = [c[keep] for c in columns]
        weights = weights[keep]
    group, first = factorize_rows(columns)
    summed = np.asarray(np.bincount(group, weights=weights, minlength=first.size), dtype=np.float64)
    return [np.ascontiguousarray(c[first]) for c in columns], summed


Objective = Callable[[FloatArray], tuple[float, FloatArray]]


@dataclass(frozen=True, slots=True)
class Fit:
    """Raw output of :func:`fit_log_params`."""

    params: FloatArray
    log_likelihood: float
    iterations: int
    objective: Objective


_WARM_START_ROWS = 200_000
_SAMPLE_ROWS = 50_000


def fit_log_params(
    make_objective: Callable[..., Objective],
    columns: Sequence[FloatArray],
    weights: FloatArray,
    start: Sequence[float],
    names: Sequence[str],
    *,
    max_iter: int = 2000,
    bounds: tuple[float, float] = (-25.0, 25.0),
) -> Fit:
    """Maximise a log-likelihood over log-parameters (BFGS, see :func:`_minimise`).

    ``make_objective(*columns, weights)`` returns a function of the (natural) parameters
    giving the negative log-likelihood and its gradient. The optimiser works on
    ``log(params)``, scaled by ``1 / sum(weights)`` so that the tolerances do not depend on
    the sample size. With more than 200,000 distinct rows it first fits a fixed random
    subsample of 50,000 rows (weights rescaled) and starts the full fit from there, which
    then runs quasi-Newton steps on the full data with that subsample's Hessian, which
    needs far fewer full-data passes than a fit from scratch.

    Raises
    ------
    ConvergenceError
        If the optimiser stops without converging or the optimum is not finite.
    """
    theta0 = np.log(np.asarray(start, dtype=np.float64))
    n_rows = weights.size
    objective = make_objective(*columns, weights)
    if n_rows > _WARM_START_ROWS and columns:
        pick = np.sort(np.random.default_rng(0).choice(n_rows, _SAMPLE_ROWS, replace=False))
        sub_w = weights[pick] * (weights.sum() / weights[pick].sum())
        sub = make_objective(*[c[pick] for c in columns], sub_w)
        try:
            theta_s = _minimise(sub, theta0, names, float(sub_w.sum()), max_iter, bounds)[0]
            polished = _newton_polish(objective, sub, theta_s, float(weights.sum()))
        except (ConvergenceError, np.linalg.LinAlgError):
            polished = None
        if polished is not None:
            theta, value, nit = polished
            return Fit(
                params=np.exp(theta),
                log_likelihood=-float(value),
                iterations=nit,
                objective=objective,
            )
    theta, value, nit = _minimise(objective, theta0, names, float(weights.sum()), max_iter, bounds)
    return Fit(
        params=np.exp(theta), log_likelihood=-float(value), iterations=nit, objective=objective
    )


def _theta_grad(objective: Objective, theta: FloatArray, scale: float) -> tuple[float, FloatArray]:
    params = np.exp(theta)
    value, grad = objective(params)
    return value * scale, grad * params * scale


def _newton_polish(
    objective: Objective, sub: Objective, theta: FloatArray, total_weight: float
) -> tuple[FloatArray, float, int] | None:
    """Quasi-Newton iterations on the full data with the subsample's (fixed) Hessian.

    The per-customer Hessian of the subsample differs from the full-data one only by
    sampling error, so each step gains one to two digits: a handful of full-data gradient
    evaluations instead of the 20-30 of a fit from scratch. Returns ``None`` if it stalls.
    """
    sub_scale = 1.0 / total_weight

    def sub_objective(th: FloatArray) -> tuple[float, FloatArray]:
        return _theta_grad(sub, th, sub_scale)

    hess = _theta_hessian(sub_objective, theta, sub_objective(theta)[1])
    np.linalg.cholesky(hess)
    scale = 1.0 / total_weight
    value, grad = _theta_grad(objective, theta, scale)
    for it in range(1, 40):
        step = np.linalg.solve(hess, grad)
        length = 1.0
        while True:
            trial = theta - length * step
            t_value, t_grad = _theta_grad(objective, trial, scale)
            if np.isfinite(t_value) and t_value <= value + 1e-12 * abs(value):
                break
            length /= 4
            if length < 1e-6:
                return None
        theta, value, grad = trial, t_value, t_grad
        if np.max(np.abs(grad)) < 1e-9 or np.max(np.abs(length * step)) < 1e-10:
            return theta, value / scale, it
    return None


def _theta_hessian(
    objective: Callable[[FloatArray], tuple[float, FloatArray]], theta: FloatArray, g: FloatArray
) -> FloatArray:
    k = theta.size
    hess = np.empty((k, k))
    for j in range(k):
        up = theta.copy()
        up[j] += 1e-6
        hess[:, j] = (objective(up)[1] - g) / 1e-6
    return np.asarray(0.5 * (hess + hess.T), dtype=np.float64)


def _positive_definite(hess: FloatArray) -> FloatArray:
    """Shift ``hess`` by a multiple of the identity until it is positive definite."""
    scale = max(float(np.max(np.abs(np.diag(hess)))), 1e-8)
    shift = 0.0
    eye = np.eye(hess.shape[0])
    for _ in range(60):
        try:
            np.linalg.cholesky(hess + shift * eye)
            return hess + shift * eye
        except np.linalg.LinAlgError:
            shift = max(2 * shift, 1e-8 * scale)
    return scale * eye


def _minimise(
    neg_ll_grad: Objective,
    theta0: FloatArray,
    names: Sequence[str],
    total_weight: float,
    max_iter: int,
    bounds: tuple[float, float],
) -> tuple[FloatArray, float, int]:
    """BFGS on log-parameters, started from a finite-difference Hessian.

    A small dense quasi-Newton loop rather than ``scipy.optimize``: with 2-4 parameters the
    optimiser's own overhead dominates small fits, and scipy's L-BFGS-B calls into a
    multithreaded BLAS that becomes very slow on a busy machine. Non-finite trial points
    are rejected by the backtracking line search.
    """
    scale = 1.0 / total_weight

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        if np.any(np.abs(theta) > bounds[1]):
            return np.inf, np.zeros_like(theta)
        params = np.exp(theta)
        value, grad = neg_ll_grad(params)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(theta)
        return value * scale, grad * params * scale

    def fail(theta: FloatArray, why: str, nit: int) -> ConvergenceError:
        return ConvergenceError(
            f"`params` did not converge: {len(names)} rows. The optimiser stopped ({why}) "
            f"after {nit} iterations; the data may not identify the model (for example "
            "no repeat purchases), or try other start values.",
            dict(zip(names, np.exp(theta).tolist(), strict=True)),
        )

    theta = np.asarray(theta0, dtype=np.float64).copy()
    value, grad = objective(theta)
    if not np.isfinite(value):
        raise fail(theta, "the log-likelihood is not finite at the start values", 0)
    hess = _positive_definite(_theta_hessian(objective, theta, grad))
    for nit in range(1, max_iter + 1):
        if np.max(np.abs(grad)) < 1e-9:
            return theta, value / scale, nit - 1
        step = -np.linalg.solve(hess, grad)
        if float(grad @ step) >= 0:
            hess = _positive_definite(_theta_hessian(objective, theta, grad))
            step = -np.linalg.solve(hess, grad)
        # Trust at most a factor e change per parameter and step: far-off trial points are
        # where the likelihood series are slowest and least informative.
        step *= min(1.0, 1.0 / max(float(np.max(np.abs(step))), 1e-300))
        slope = float(grad @ step)
        length = 1.0
        while True:
            trial = theta + length * step
            t_value, t_grad = objective(trial)
            if np.isfinite(t_value) and t_value <= value + 1e-4 * length * slope:
                break
            length *= 0.5
            if length < 1e-10:
                if np.max(np.abs(grad)) < 1e-6:
                    return theta, value / scale, nit
                raise fail(theta, "the line search found no decrease", nit)
        s_vec = trial - theta
        y_vec = t_grad - grad
        theta, grad = trial, t_grad
        converged = (
            abs(value - t_value) <= 1e-15 * max(abs(value), 1.0) and np.max(np.abs(s_vec)) < 1e-10
        )
        value = t_value
        if converged:
            return theta, value / scale, nit
        sy = float(s_vec @ y_vec)
        if sy > 1e-16:
            hs = hess @ s_vec
            hess = hess + np.outer(y_vec, y_vec) / sy - np.outer(hs, hs) / float(s_vec @ hs)
        if np.any(np.abs(theta) >= bounds[1] - 1.0):
            raise fail(theta, "a parameter diverged to 0 or infinity", nit)
    raise fail(theta, "the iteration limit was reached", max_iter)


def numeric_hessian(objective: Objective, params: FloatArray) -> FloatArray:
    """Hessian by forward differences of the analytic gradient (natural parameters)."""
    k = params.size
    hess = np.empty((k, k))
    g0 = objective(params)[1]
    for j in range(k):
        h = 1e-6 * max(abs(params[j]), 1e-3)
        up = params.copy()
        up[j] += h
        hess[:, j] = (objective(up)[1] - g0) / h
    return np.asarray(0.5 * (hess + hess.T), dtype=np.float64)


def std_errors(
    hessian: FloatArray, params: FloatArray, names: Sequence[str]
) -> tuple[FloatArray, FloatArray]:
    """Covariance (inverse observed information) and standard errors.

    Raises
    ------
    ConvergenceError
        If the Hessian of the negative log-likelihood is not positive definite: the
        optimiser stopped on a ridge or at the edge of the parameter space (for example a
        cohort in which nobody churns), so the maximum is not identified.
    """
    try:
        np.linalg.cholesky(hessian)
        cov = np.linalg.inv(hessian)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            f"`params` are not identified: {len(names)} rows. The log-likelihood has no "
            "interior maximum (its Hessian is not positive definite); the data may be "
            "degenerate, e.g. nobody churns or nobody repeats.",
            dict(zip(names, params.tolist(), strict=True)),
        ) from None
    diag = np.diag(cov)
    se = np.where(diag > 0, np.sqrt(np.abs(diag)), np.nan)
    return readonly(cov), readonly(se)


_F = TypeVar("_F", bound="FittedModel")


def _rebuild(cls: type[_F], values: dict[str, Any]) -> _F:
    """Unpickle a model through its constructor (see :meth:`FittedModel.__reduce__`)."""
    return cls(**values)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class FittedModel:
    """Base of every fitted CLV model: fit statistics, checks, equality, pickling, summary.

    Subclasses are frozen dataclasses (``eq=False, repr=False``: this class compares and
    prints them) that add one float field per parameter, named in ``_param_names``. The
    fit statistics are keyword-only fields shared here: ``log_likelihood`` (NaN for a
    model built from given parameters), ``n_customers`` (the sum of weights it was fitted
    on) and ``covariance`` (inverse of the observed information matrix, stored as a
    read-only copy, or ``None``). Every parameter must be a finite number > 0, whether
    fitted or given: a model built with ``r = -1`` would predict negative purchases.
    """

    log_likelihood: float = field(default=float("nan"), kw_only=True)
    n_customers: int = field(default=0, kw_only=True)
    covariance: FloatArray | None = field(default=None, kw_only=True)
    _param_names: ClassVar[tuple[str, ...]] = ()

    def __post_init__(self) -> None:
        for name in self._param_names:
            check_positive_number(name, getattr(self, name))
        if self.covariance is not None:
            object.__setattr__(self, "covariance", readonly(self.covariance))

    def _key(self) -> tuple[object, ...]:
        return (*(getattr(self, n) for n in self._param_names), self.n_customers)

    def __eq__(self, other: object) -> bool:
        """Same class, parameters, fit statistics and covariance (NaN equals NaN)."""
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, FittedModel)
        ll, other_ll = float(self.log_likelihood), float(other.log_likelihood)
        cov, other_cov = self.covariance, other.covariance
        same_cov = (cov is None and other_cov is None) or (
            cov is not None
            and other_cov is not None
            and np.array_equal(cov, other_cov, equal_nan=True)
        )
        same_ll = ll == other_ll or (np.isnan(ll) and np.isnan(other_ll))
        return self._key() == other._key() and bool(same_ll) and same_cov

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._key()))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Rebuilt through __init__, so that the covariance is read-only again after
        # unpickling (numpy unpickles arrays writeable).
        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return _rebuild, (type(self), values)

    def __repr__(self) -> str:
        shown = [f"{n}={getattr(self, n)!r}" for n in self._param_names]
        shown += [f"log_likelihood={self.log_likelihood!r}", f"n_customers={self.n_customers!r}"]
        return f"{type(self).__name__}({', '.join(shown)})"

    @classmethod
    def _check_start(cls, start: object) -> dict[str, float]:
        """Validate user start values: known names, finite numbers > 0."""
        if start is None:
            return {}
        names = cls._param_names
        fix = f"{cls.__name__} parameters are {', '.join(names)}."
        if not isinstance(start, Mapping):
            raise schema_error(
                "start",
                f"must be a dict of parameter values, got {type(start).__name__}",
                1,
                fix,
            )
        unknown = [k for k in start if k not in names]
        if unknown:
            listed = ", ".join(repr(k) for k in unknown)
            raise schema_error("start", f"has unknown keys {listed}", len(unknown), fix)
        return {k: check_positive_number(f"start[{k!r}]", v) for k, v in start.items()}

    @classmethod
    def _maximum_likelihood(
        cls: type[_F],
        make_objective: Callable[..., Objective],
        columns: Sequence[FloatArray],
        weights: FloatArray,
        init: Mapping[str, float],
        start: object,
    ) -> _F:
        """Fit by :func:`fit_log_params` and wrap the estimates in a model of this class.

        ``start`` (the user's start values by name) overrides the defaults ``init``;
        ``n_customers`` is the total weight and ``covariance`` the inverse of the observed
        information at the optimum.
        """
        names = cls._param_names
        values = {**init, **cls._check_start(start)}
        result = fit_log_params(make_objective, columns, weights, [values[n] for n in names], names)
        hess = numeric_hessian(result.objective, result.params)
        cov, _ = std_errors(hess, result.params, names)
        build: Callable[..., _F] = cls
        return build(
            **{n: float(v) for n, v in zip(names, result.params, strict=True)},
            log_likelihood=result.log_likelihood,
            n_customers=round(float(weights.sum())),
            covariance=cov,
        )

    @property
    def params(self) -> dict[str, float]:
        """Parameter estimates by name (a fresh dict: the model itself is immutable)."""
        return {n: float(getattr(self, n)) for n in self._param_names}

    @property
    def standard_errors(self) -> dict[str, float]:
        """Asymptotic standard errors by name, from the observed information matrix."""
        cov = self.covariance
        if cov is None:
            return dict.fromkeys(self._param_names, float("nan"))
        diag = np.diag(np.asarray(cov))
        return {
            n: float(np.sqrt(v)) if v > 0 else float("nan")
            for n, v in zip(self._param_names, diag, strict=True)
        }

    def summary(self, *, confidence_level: float = 0.95) -> pd.DataFrame:
        """Tabulate estimates, standard errors and Wald confidence intervals by parameter.

        The intervals are computed on the log scale (the parameters are positive) and mapped
        back, so they never cross zero.
        """
        from scipy import stats

        z = float(stats.norm.ppf(0.5 + confidence_level / 2))
        est = pd.Series(self.params)
        se = pd.Series(self.standard_errors)
        half = z * se / est
        out = pd.DataFrame(
            {
                "estimate": est,
                "std_error": se,
                "ci_low": est * np.exp(-half),
                "ci_high": est * np.exp(half),
            }
        )
        out.index.name = "parameter"
        return out

    def __str__(self) -> str:
        ll = float(self.log_likelihood)
        n = int(self.n_customers)
        head = f"{type(self).__name__}(n_customers={n}, log_likelihood={ll:.2f})"
        return head + "\n" + self.summary().to_string(float_format=lambda v: f"{v:.4f}")


_M = TypeVar("_M", bound="PurchaseModel")
IntArray = npt.NDArray[np.int64]


class PurchaseModel(FittedModel):
    """Base of the continuous-time purchase models fitted on ``frequency, recency, T``.

    :class:`~growthkit.clv.BetaGeo`, :class:`~growthkit.clv.ModifiedBetaGeo` and
    :class:`~growthkit.clv.ParetoNBD` share the public methods below, which validate their
    input once and call the model's private hooks (``_objective``, ``_start``,
    ``_probability_alive``, ``_expected_purchases``, ``_new_customer``, ``_draw``) with
    flat, checked float arrays. Each model's Notes give its equations.
    """

    __slots__ = ()
    _columns: ClassVar[tuple[str, str, str]] = ("frequency", "recency", "T")

    @classmethod
    def fit(
        cls: type[_M],
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        T: npt.ArrayLike | None = None,
        *,
        weights: npt.ArrayLike | None = None,
        start: Mapping[str, float] | None = None,
    ) -> _M:
        """Fit the model by maximum likelihood.

        Parameters
        ----------
        frequency
            Repeat purchases per customer, or a ``customer_summary`` DataFrame with columns
            ``frequency``, ``recency`` and ``T`` (then omit ``recency`` and ``T``).
        recency
            Time from the first to the last purchase (0 if ``frequency`` is 0).
        T
            Time from the first purchase to the end of the calibration period, in the same
            unit as ``recency``; the fitted rate parameters are in that unit.
        weights
            Number of customers each row stands for (for already compressed data).
        start
            Start values by name; the defaults are 1 for shape parameters and the scale
            parameters matched to the mean purchase rate and mean T.

        Returns
        -------
        Self
            The fitted, immutable model.

        Raises
        ------
        SchemaError
            A column that is not numeric, or ``start`` with a key that is not a parameter.
        DataError
            If the summary is invalid (see :func:`~growthkit.clv._base.check_summary`) or a
            start value is not a finite number > 0.
        ConvergenceError
            If the optimiser fails; ``last_params`` holds its last iterate.
        """
        values = from_frame(frequency, [recency, T], cls._columns)
        x, tx, t = check_summary(*values)
        w = check_weights(weights, x.size)
        (x, tx, t), w = compress([x, tx, t], w)
        init = cls._start(float(np.average(x, weights=w)), float(np.average(t, weights=w)))
        return cls._maximum_likelihood(cls._objective, (x, tx, t), w, init, start)

    @classmethod
    def _objective(cls, x: FloatArray, tx: FloatArray, t: FloatArray, w: FloatArray) -> Objective:
        """Negative log-likelihood and gradient in the natural parameters, for fixed data."""
        raise NotImplementedError

    @classmethod
    def _start(cls, mean_x: float, mean_t: float) -> dict[str, float]:
        """Default start values from the weighted mean frequency and T."""
        raise NotImplementedError

    def probability_alive(
        self,
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        T: npt.ArrayLike | None = None,
        *,
        horizon: npt.ArrayLike = 0.0,
    ) -> FloatArray:
        """Probability that each customer is still alive ``horizon`` periods after T.

        Parameters
        ----------
        frequency, recency, T
            The customers' summary (arrays or a DataFrame as first argument).
        horizon
            Time after the end of calibration (same unit as T; scalar or one per
            customer); 0 gives P(alive at T). A positive horizon multiplies it by the
            posterior probability of surviving the next ``horizon`` periods unobserved.

        Returns
        -------
        numpy.ndarray
            Probabilities in [0, 1], one per customer.
        """
        x, tx, t = broadcast_summary(frequency, recency, T)
        h = per_customer("horizon", horizon, x.size, negative="is negative or not finite")
        return self._probability_alive(x, tx, t, h)

    def expected_purchases(
        self,
        t: npt.ArrayLike,
        frequency: npt.ArrayLike | pd.DataFrame,
        recency: npt.ArrayLike | None = None,
        T: npt.ArrayLike | None = None,
    ) -> FloatArray:
        """Return the expected purchases in the next ``t`` periods given each customer's history.

        Parameters
        ----------
        t
            Length of the prediction window (scalar, or one per customer).
        frequency, recency, T
            The customers' calibration summary (arrays or a DataFrame as first argument).

        Returns
        -------
        numpy.ndarray
            Expected purchases, one per customer.
        """
        x, tx, tt = broadcast_summary(frequency, recency, T)
        return self._expected_purchases(per_customer("t", t, x.size), x, tx, tt)

    def expected_purchases_new_customer(self, t: npt.ArrayLike) -> FloatArray:
        """Return the expected repeat purchases in ``(0, t]`` of a just-acquired customer.

        Parameters
        ----------
        t
            Time since the first purchase (scalar or array).

        Returns
        -------
        numpy.ndarray
            ``E[X(t)]`` with the shape of ``t``.
        """
        tt = times("t", t)
        flat = np.ascontiguousarray(tt.ravel(), dtype=np.float64)
        return np.asarray(self._new_customer(flat).reshape(tt.shape), dtype=np.float64)

    def simulate(
        self,
        n_customers: int,
        *,
        T: npt.ArrayLike,
        rng: int | np.random.Generator | None = None,
    ) -> pd.DataFrame:
        """Draw calibration summaries of new customers from the model.

        Parameters
        ----------
        n_customers
            Number of customers.
        T
            Observation time of each customer since the first purchase (scalar or one per
            customer), in the model's time unit.
        rng
            Seed or generator.

        Returns
        -------
        pandas.DataFrame
            Columns ``frequency``, ``recency``, ``T``, one row per customer.
        """
        n = check_positive_int("n_customers", n_customers)
        t = np.array(per_customer("T", T, n))
        x, recency = self._draw(np.random.default_rng(rng), t)
        return pd.DataFrame({"frequency": x, "recency": recency, "T": t})

    def _probability_alive(
        self, x: FloatArray, tx: FloatArray, t: FloatArray, horizon: FloatArray
    ) -> FloatArray:
        raise NotImplementedError

    def _expected_purchases(
        self, horizon: FloatArray, x: FloatArray, tx: FloatArray, t: FloatArray
    ) -> FloatArray:
        raise NotImplementedError

    def _new_customer(self, t: FloatArray) -> FloatArray:
        raise NotImplementedError

    def _draw(self, gen: np.random.Generator, t: FloatArray) -> tuple[IntArray, FloatArray]:
        raise NotImplementedError


def check_purchase_model(name: str, model: object) -> None:
    """Reject what cannot predict purchases from a ``frequency, recency, T`` summary.

    growthkit's purchase models pass; so does an outside object with an
    ``expected_purchases`` method. growthkit's other models (sBG, BG/BB, Gamma-Gamma) and
    anything else are a :class:`SchemaError` rather than an ``AttributeError`` later.
    """
    if isinstance(model, PurchaseModel):
        return
    if not isinstance(model, FittedModel) and callable(getattr(model, "expected_purchases", None)):
        return
    raise schema_error(
        name,
        f"must be a BetaGeo, ModifiedBetaGeo or ParetoNBD, got {type(model).__name__}",
        1,
        "Fit one of them on the customer summary (ShiftedBetaGeometric and BetaGeoBetaBinom "
        "do not predict purchases in continuous time; a GammaGamma is a value model).",
    )
