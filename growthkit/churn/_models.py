"""Kaplan-Meier, log-rank, Cox and AFT fits on a survival table, through lifelines."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.errors import ConvergenceError, DataError, GrowthkitWarning, SchemaError

__all__ = [
    "ChurnModel",
    "KaplanMeier",
    "LogrankResult",
    "ModelKind",
    "fit_churn_model",
    "kaplan_meier",
    "logrank_test",
]

ModelKind = Literal["coxph", "weibull", "lognormal"]
MODEL_KINDS: tuple[ModelKind, ...] = ("coxph", "weibull", "lognormal")
#: Covariates fitted when none are named: they describe the customer's buying so far without
#: encoding the churn rule itself (``days_since_last`` and ``tenure_days`` do, see
#: :func:`fit_churn_model`).
DEFAULT_COVARIATES: tuple[str, ...] = ("orders", "mean_gap_days", "spend")
Groups = str | pd.Series | None


# --------------------------------------------------------------------------- checks


def check_table(table: object) -> pd.DataFrame:
    """Check the ``duration`` / ``churned`` columns of a survival table."""
    if not isinstance(table, pd.DataFrame):
        raise SchemaError(
            v.message(
                "table",
                f"must be a pandas DataFrame from survival_table, got {type(table).__name__}",
                0,
            )
        )
    n = len(table)
    for col in ("duration", "churned"):
        if col not in table.columns:
            raise SchemaError(
                v.message(col, "column not found", n, "Build the table with survival_table(...).")
            )
    if n == 0:
        raise DataError(v.message("duration", "is empty", 0, "Pass at least one customer."))
    if not pd.api.types.is_bool_dtype(table["churned"].dtype):
        raise SchemaError(v.message("churned", f"must be bool, got {table['churned'].dtype}", n))
    _durations(table)
    return table


def _durations(table: pd.DataFrame) -> npt.NDArray[np.float64]:
    """The ``duration`` column as float64, checked: present, finite and >= 0."""
    if "duration" not in table.columns:
        raise SchemaError(v.message("duration", "column not found", len(table)))
    duration = _numeric(table, "duration")
    bad = int(np.count_nonzero(~np.isfinite(duration) | (duration < 0)))
    if bad:
        raise DataError(v.message("duration", "has negative, missing or infinite values", bad))
    return duration


def _numeric(table: pd.DataFrame, col: str, *, allow_bool: bool = False) -> npt.NDArray[np.float64]:
    values = table[col]
    is_bool = pd.api.types.is_bool_dtype(values.dtype)
    if (is_bool and not allow_bool) or not (is_bool or pd.api.types.is_numeric_dtype(values.dtype)):
        raise SchemaError(v.message(col, f"must be numeric, got dtype {values.dtype}", len(table)))
    return np.asarray(values.to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)


def check_covariates(table: pd.DataFrame, covariates: Sequence[str] | None) -> tuple[str, ...]:
    """Resolve and check the covariates of a model fit."""
    if covariates is None:
        names = tuple(c for c in DEFAULT_COVARIATES if c in table.columns)
    elif isinstance(covariates, str):
        names = (covariates,)
    else:
        names = tuple(covariates)
    n = len(table)
    if not names:
        raise SchemaError(
            v.message("covariates", "is empty", n, "Name at least one numeric column.")
        )
    for name in names:
        if name in ("duration", "churned"):
            raise SchemaError(v.message(name, "is the outcome and cannot be a covariate", n))
        if name not in table.columns:
            available = ", ".join(str(c) for c in table.columns if c not in ("duration", "churned"))
            raise SchemaError(
                v.message(
                    name,
                    f"covariate not found (columns: {available})",
                    n,
                    "Pass covariates=[...] naming numeric columns of the table.",
                )
            )
        if names.count(name) > 1:
            raise SchemaError(v.message(name, "is named more than once in covariates", n))
        x = _numeric(table, name, allow_bool=True)
        bad = int(np.count_nonzero(~np.isfinite(x)))
        if bad:
            raise DataError(v.message(name, "has missing or infinite values", bad))
        if n == 1 or np.all(x == x[0]):
            raise DataError(
                v.message(
                    name,
                    "has zero variance (every customer has the same value)",
                    n,
                    "Drop it from covariates=...; it cannot be estimated.",
                )
            )
    return names


def _confidence(value: object) -> float:
    return v.check_probability("confidence_level", value)


def resolve_groups(table: pd.DataFrame, groups: Groups) -> tuple[pd.Series, str]:
    """Per-customer group labels aligned to the table, and their name."""
    n = len(table)
    if isinstance(groups, str):
        if groups not in table.columns:
            raise SchemaError(
                v.message(
                    groups,
                    "group column not found",
                    n,
                    "Pass groups= a column name or a Series indexed like the table.",
                )
            )
        labels = table[groups]
        name = groups
    elif isinstance(groups, pd.Series):
        labels = groups.reindex(table.index)
        name = str(groups.name) if groups.name is not None else "group"
    else:
        raise SchemaError(
            v.message(
                "groups",
                f"must be a column name or a pandas Series, got {type(groups).__name__}",
                n,
            )
        )
    missing = int(labels.isna().sum())
    if missing:
        raise DataError(
            v.message(
                name,
                "has no group for some customers (missing or not in the Series' index)",
                missing,
                "Give every customer a group.",
            )
        )
    return labels, name


@contextmanager
def _lifelines_calls(what: str) -> Iterator[None]:
    """Turn lifelines' convergence failures and warnings into growthkit ones."""
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError
    from lifelines.exceptions import ConvergenceWarning, StatisticalWarning
    from scipy.linalg import LinAlgWarning

    diagnostics = (ConvergenceWarning, StatisticalWarning, LinAlgWarning)
    failure: Exception | None = None
    with warnings.catch_warnings(record=True) as caught:
        # Only lifelines' own diagnostics are captured; other warnings meet the caller's
        # filters as usual (and are replayed below if those let them through).
        for category in diagnostics:
            warnings.filterwarnings("always", category=category)
        try:
            yield
        except (LifelinesConvergenceError, np.linalg.LinAlgError) as exc:
            failure = exc
    if failure is not None:
        # The diagnostics that preceded the failure explain it: fold them into the error.
        notes = [
            " ".join(str(w.message).split()) for w in caught if issubclass(w.category, diagnostics)
        ]
        text = " ".join([" ".join(str(failure).split()), *notes])
        raise ConvergenceError(f"`model` {what} did not converge: {text}") from failure
    for w in caught:
        if issubclass(w.category, diagnostics):
            text = " ".join(str(w.message).split())
            warnings.warn(f"{what}: {text}", GrowthkitWarning, stacklevel=4)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


# --------------------------------------------------------------------------- Kaplan-Meier


def _label(value: object) -> str:
    return str(value)


@dataclass(frozen=True, slots=True)
class KaplanMeier:
    """Kaplan-Meier survival curves, overall and per group (lifelines underneath).

    Attributes
    ----------
    fitter
        The lifelines ``KaplanMeierFitter`` fitted on every customer.
    by_group
        One fitted ``KaplanMeierFitter`` per group label (empty without groups).
    group_name
        Name of the grouping (``None`` without groups).
    confidence_level
        Level of the pointwise confidence bands (lifelines' exponential Greenwood).

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import kaplan_meier, survival_table
    >>> km = kaplan_meier(survival_table(gk.datasets.load_cdnow()), groups="cohort")
    >>> km.survival_at([90, 365]).round(3)
    days     90.0   365.0
    all      0.483  0.255
    1997-01  0.478  0.260
    1997-02  0.478  0.249
    1997-03  0.495  0.256
    >>> int(km.fitter.event_observed.sum())  # the lifelines fitter: churned customers
    2057
    """

    fitter: Any
    by_group: dict[Hashable, Any] = field(default_factory=dict)
    group_name: str | None = None
    confidence_level: float = 0.95

    def _fitters(self) -> dict[Hashable, Any]:
        out: dict[Hashable, Any] = {"all": self.fitter}
        out.update(self.by_group)
        return out

    def median_lifetime(self) -> pd.Series:
        """Median duration (days) overall (``"all"``) and per group; ``inf`` if not reached."""
        values = {k: float(f.median_survival_time_) for k, f in self._fitters().items()}
        return pd.Series(values, name="median_lifetime", dtype=np.float64)

    def survival_at(self, horizons: npt.ArrayLike) -> pd.DataFrame:
        """Survival probability at each horizon (days): rows ``"all"`` then the groups."""
        times = _horizons(horizons)
        rows = {
            k: np.asarray(f.survival_function_at_times(times).to_numpy(), dtype=np.float64)
            for k, f in self._fitters().items()
        }
        return pd.DataFrame.from_dict(rows, orient="index", columns=pd.Index(times, name="days"))

    def to_frame(self) -> pd.DataFrame:
        """Long format: ``group``, ``duration``, ``survival``, ``ci_low``, ``ci_high``."""
        parts = []
        for key, f in self._fitters().items():
            sf = f.survival_function_
            ci = f.confidence_interval_survival_function_
            parts.append(
                pd.DataFrame(
                    {
                        "group": _label(key),
                        "duration": sf.index.to_numpy(dtype=np.float64),
                        "survival": sf.iloc[:, 0].to_numpy(dtype=np.float64),
                        "ci_low": ci.iloc[:, 0].to_numpy(dtype=np.float64),
                        "ci_high": ci.iloc[:, 1].to_numpy(dtype=np.float64),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    def plot(self, *, ax: Any = None, groups_only: bool = True, ci: bool = True) -> Any:
        """Survival curves with confidence bands; see :func:`growthkit.churn.plot_survival`."""
        from growthkit.churn._plot import plot_survival

        return plot_survival(self, ax=ax, groups_only=groups_only, ci=ci)

    def __str__(self) -> str:
        n = int(self.fitter.event_observed.shape[0])
        churned = int(np.sum(self.fitter.event_observed))
        head = f"KaplanMeier({n} customers, {churned} churned"
        head += f", by {self.group_name})" if self.group_name else ")"
        med = self.median_lifetime().to_frame().T.to_string()
        return f"{head}\nmedian lifetime (days):\n{med}"


def _horizons(horizons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    times = np.atleast_1d(np.asarray(horizons, dtype=np.float64))
    bad = int(np.count_nonzero(~np.isfinite(times) | (times < 0)))
    if bad or times.ndim != 1:
        raise DataError(v.message("horizons", "must be finite, non-negative days", bad or 1))
    return times


def kaplan_meier(
    table: pd.DataFrame,
    *,
    groups: Groups = None,
    confidence_level: float = 0.95,
) -> KaplanMeier:
    r"""Kaplan-Meier estimate of the survival (non-churn) curve, overall and by group.

    Parameters
    ----------
    table
        A :func:`survival_table` (columns ``duration`` and ``churned``).
    groups
        ``None``, a column of ``table`` (e.g. ``"cohort"``) or a Series indexed by customer
        (e.g. RFM segments); one curve is fitted per distinct value.
    confidence_level
        Level of the pointwise confidence bands.

    Returns
    -------
    KaplanMeier
        The lifelines fitters (``.fitter``, ``.by_group``) and summaries.

    Raises
    ------
    SchemaError, DataError
        The table lacks ``duration``/``churned``, a duration is negative or missing, or a
        customer has no group.

    Notes
    -----
    :math:`\hat S(t) = \prod_{t_i \le t} (1 - d_i / n_i)` (Kaplan & Meier 1958), computed
    by ``lifelines.KaplanMeierFitter``. When nobody churned the curve stays at 1 and the
    median lifetime is ``inf``.

    References
    ----------
    Kaplan, E. L. & Meier, P. (1958). Nonparametric estimation from incomplete
    observations. *JASA* 53(282), 457-481.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import kaplan_meier, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> km = kaplan_meier(table)
    >>> km.median_lifetime()["all"]
    np.float64(90.0)
    """
    from lifelines import KaplanMeierFitter

    table = check_table(table)
    level = _confidence(confidence_level)
    durations = table["duration"].to_numpy(dtype=np.float64)
    events = table["churned"].to_numpy(dtype=bool)
    with _lifelines_calls("Kaplan-Meier"):
        overall = KaplanMeierFitter(alpha=1.0 - level, label="all").fit(durations, events)
        by_group: dict[Hashable, Any] = {}
        name: str | None = None
        if groups is not None:
            labels, name = resolve_groups(table, groups)
            codes, uniques = pd.factorize(labels, sort=True)
            for j, key in enumerate(uniques):
                mask = codes == j
                by_group[key] = KaplanMeierFitter(alpha=1.0 - level, label=_label(key)).fit(
                    durations[mask], events[mask]
                )
    return KaplanMeier(fitter=overall, by_group=by_group, group_name=name, confidence_level=level)


# --------------------------------------------------------------------------- log-rank


@dataclass(frozen=True, slots=True)
class LogrankResult:
    """Log-rank comparison of the survival curves of two or more groups.

    Attributes
    ----------
    statistic
        Chi-squared statistic.
    pvalue
        P-value under the null hypothesis that every group has the same hazard.
    degrees_of_freedom
        Number of groups minus one.
    groups
        The group labels compared.
    result
        lifelines' ``StatisticalResult``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import logrank_test, survival_table
    >>> result = logrank_test(survival_table(gk.datasets.load_cdnow()), groups="cohort")
    >>> print(result)
    Log-rank test over 3 groups: chi2(2) = 1.256, p = 0.5337
    >>> result.groups
    (Period('1997-01', 'M'), Period('1997-02', 'M'), Period('1997-03', 'M'))
    """

    statistic: float
    pvalue: float
    degrees_of_freedom: int
    groups: tuple[Hashable, ...]
    result: Any

    def to_frame(self) -> pd.DataFrame:
        """One row: ``statistic``, ``pvalue``, ``degrees_of_freedom``, ``groups``."""
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "pvalue": [self.pvalue],
                "degrees_of_freedom": [self.degrees_of_freedom],
                "groups": [len(self.groups)],
            }
        )

    def __str__(self) -> str:
        return (
            f"Log-rank test over {len(self.groups)} groups: chi2({self.degrees_of_freedom}) = "
            f"{self.statistic:.4g}, p = {self.pvalue:.4g}"
        )


def logrank_test(table: pd.DataFrame, *, groups: str | pd.Series) -> LogrankResult:
    """Log-rank test that customers in every group churn at the same rate.

    Parameters
    ----------
    table
        A :func:`survival_table`.
    groups
        A column of ``table`` or a Series indexed by customer; at least two distinct values.

    Returns
    -------
    LogrankResult

    Raises
    ------
    DataError
        Fewer than two groups, or a customer without a group.

    Notes
    -----
    Two groups use ``lifelines.statistics.logrank_test`` (Mantel 1966), more use
    ``multivariate_logrank_test``; both compare observed with expected churns per group at
    every churn time.

    References
    ----------
    Mantel, N. (1966). Evaluation of survival data and two new rank order statistics
    arising in its consideration. *Cancer Chemotherapy Reports* 50(3), 163-170.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import logrank_test, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> table["repeat"] = table["orders"] > 1
    >>> result = logrank_test(table, groups="repeat")
    >>> result.degrees_of_freedom, result.pvalue < 1e-10
    (1, True)
    """
    from lifelines.statistics import logrank_test as lifelines_logrank
    from lifelines.statistics import multivariate_logrank_test

    table = check_table(table)
    labels, name = resolve_groups(table, groups)
    codes, uniques = pd.factorize(labels, sort=True)
    if len(uniques) < 2:
        raise DataError(
            v.message(
                name,
                f"has {len(uniques)} distinct group(s); the log-rank test needs at least 2",
                len(table),
            )
        )
    durations = table["duration"].to_numpy(dtype=np.float64)
    events = table["churned"].to_numpy(dtype=bool)
    with _lifelines_calls("log-rank test"):
        if len(uniques) == 2:
            a, b = codes == 0, codes == 1
            res = lifelines_logrank(durations[a], durations[b], events[a], events[b])
        else:
            res = multivariate_logrank_test(durations, codes, events)
    return LogrankResult(
        statistic=float(res.test_statistic),
        pvalue=float(res.p_value),
        degrees_of_freedom=int(res.degrees_of_freedom),
        groups=tuple(uniques),
        result=res,
    )


# --------------------------------------------------------------------------- regression


def _lifelines_class(kind: ModelKind) -> Callable[..., Any]:
    from lifelines import CoxPHFitter, LogNormalAFTFitter, WeibullAFTFitter

    return cast(
        Callable[..., Any],
        {"coxph": CoxPHFitter, "weibull": WeibullAFTFitter, "lognormal": LogNormalAFTFitter}[kind],
    )


def compress_rows(frame: pd.DataFrame, *, censored_only: bool) -> pd.DataFrame:
    """Collapse identical rows into one row with an integer ``__weight__`` (their count).

    With ``censored_only`` the churned rows stay one per customer (weight 1): lifelines'
    Efron tie correction counts a weighted event row as one death, so only censored rows
    (which enter the partial likelihood through weighted risk-set sums alone) can be
    merged without changing a Cox fit.
    """
    if censored_only:
        events = frame["churned"].to_numpy() > 0
        kept = frame.loc[events].reset_index(drop=True)
        kept["__weight__"] = 1.0
        merged = compress_rows(frame.loc[~events], censored_only=False)
        return pd.concat([kept, merged], ignore_index=True)
    counts = frame.groupby(list(frame.columns), sort=True).size()
    out = counts.index.to_frame(index=False)
    out["__weight__"] = counts.to_numpy(dtype=np.float64)
    return out


@dataclass(frozen=True, slots=True)
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
        Covariate coefficients: log hazard ratios for Cox; effects on log time (of
        ``lambda_`` for Weibull, ``mu_`` for log-normal) for AFT models.
    means
        Covariate means of the fitted customers (centre of the driver contributions).
    n_customers
        Customers fitted.
    n_rows
        Rows passed to lifelines after compressing identical customers into weights.
    n_excluded
        Customers left out of an AFT fit because their duration is 0 (a right-censored zero
        duration adds nothing to the likelihood); always 0 for Cox.

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
    coefficients: pd.Series
    means: pd.Series
    n_customers: int
    n_rows: int
    n_excluded: int = 0

    def summary(self) -> pd.DataFrame:
        """Return lifelines' coefficient table (estimates, standard errors, CIs, p-values)."""
        return cast(pd.DataFrame, self.fitter.summary)

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
        columns = {c: _numeric(table, c, allow_bool=True) for c in self.covariates}
        for c, values in columns.items():
            bad = int(np.count_nonzero(~np.isfinite(values)))
            if bad:
                raise DataError(v.message(c, "has missing or infinite values", bad))
        return pd.DataFrame(columns, index=table.index)

    def survival_function(self, table: pd.DataFrame, times: npt.ArrayLike) -> pd.DataFrame:
        """S(t | x) per customer (rows) at each time in days (columns)."""
        grid = _horizons(times)
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
        """Median duration (days) per customer from first order; ``inf`` if never reached."""
        med = self.fitter.predict_median(self._design(table))
        return pd.Series(
            np.asarray(med, dtype=np.float64).reshape(-1),
            index=table.index,
            name="median_lifetime",
        )

    def churn_probability(self, table: pd.DataFrame, *, horizon_days: float) -> pd.Series:
        """P(churn within ``horizon_days`` | survived to ``duration``) per customer.

        ``1 - S(t + h | x) / S(t | x)`` with ``t`` the customer's ``duration``
        (lifelines' ``conditional_after``). Meaningful for customers who have not churned.
        """
        h = float(_horizons(horizon_days)[0])
        x = self._design(table)
        t = _durations(table)
        sf = self.fitter.predict_survival_function(x, times=[h], conditional_after=t)
        s = np.asarray(sf.to_numpy(dtype=np.float64)).reshape(-1)
        p = np.clip(1.0 - np.nan_to_num(s, nan=0.0), 0.0, 1.0)
        return pd.Series(p, index=table.index, name="churn_probability")

    def risk_contributions(self, table: pd.DataFrame) -> pd.DataFrame:
        """Per-customer contribution of each covariate to the churn risk.

        ``beta_j * (x_ij - mean_j)`` on the log-hazard scale for Cox and
        ``-beta_j * (x_ij - mean_j)`` on the log-time scale for AFT models, so a positive
        value always pushes the customer towards churning earlier than average.
        """
        x = self._design(table).to_numpy(dtype=np.float64)
        beta = self.coefficients.to_numpy(dtype=np.float64)
        sign = 1.0 if self.kind == "coxph" else -1.0
        contrib = sign * (x - self.means.to_numpy(dtype=np.float64)) * beta
        return pd.DataFrame(contrib, index=table.index, columns=list(self.covariates))

    def to_frame(self) -> pd.DataFrame:
        """Return the coefficient table (same as :meth:`summary`)."""
        return self.summary()

    def __str__(self) -> str:
        coefs = ", ".join(f"{k}={val:.4g}" for k, val in self.coefficients.items())
        return (
            f"ChurnModel({self.kind}, {self.n_customers} customers in {self.n_rows} rows)\n"
            f"coefficients: {coefs}"
        )


def _check_durations_vary(data: pd.DataFrame, kind: ModelKind) -> None:
    """Refuse fits that one common duration makes meaningless (before lifelines fails).

    With every customer at the same duration (e.g. all first and last orders on one day)
    an AFT likelihood has no time scale (lifelines does not converge), and Cox's partial
    likelihood is flat when every one of them churned (one risk set, all events).
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
    if data["churned"].to_numpy().all():
        raise DataError(
            v.message(
                "duration",
                f"is {days} for every customer and every one churned, so the Cox partial "
                "likelihood is flat",
                len(data),
                "Use a window in which customers start on different days.",
            )
        )


def fit_churn_model(
    table: pd.DataFrame,
    *,
    model: ModelKind = "coxph",
    covariates: Sequence[str] | None = None,
    penalizer: float = 0.0,
    compress: bool = True,
) -> ChurnModel:
    r"""Fit a Cox proportional-hazards or parametric AFT model with lifelines.

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
        Typed wrapper; the lifelines fitter is ``.fitter``.

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
    try:
        pen = float(penalizer)
    except (TypeError, ValueError):
        pen = float("nan")
    if not (np.isfinite(pen) and pen >= 0):
        raise DataError(
            v.message("penalizer", f"must be a finite number >= 0, got {penalizer!r}", 1)
        )
    events = table["churned"].to_numpy(dtype=bool)
    n_events = int(np.count_nonzero(events))
    if n_events == 0:
        raise DataError(
            v.message(
                "churned",
                "has no churned customers, so there is nothing to fit",
                len(table),
                "Use a longer observation window or a shorter inactivity_days.",
            )
        )
    data = pd.DataFrame({c: _numeric(table, c, allow_bool=True) for c in names})
    data["duration"] = _numeric(table, "duration")
    data["churned"] = events.astype(np.float64)
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
        data = compress_rows(data, censored_only=kind == "coxph")
        weights = "__weight__"
    fitter = _lifelines_class(kind)(penalizer=pen)
    with _lifelines_calls(f"{kind} fit"):
        fitter.fit(data, duration_col="duration", event_col="churned", weights_col=weights)
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
        coefficients=coefficients,
        means=means.rename("mean"),
        n_customers=len(table) - excluded,
        n_rows=len(data),
        n_excluded=excluded,
    )
