"""Kaplan-Meier and log-rank on a survival table, through lifelines."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit.churn._checks import (
    Groups,
    check_horizons,
    check_table,
    confidence,
    lifelines_calls,
    resolve_groups,
)
from growthkit.errors import DataError

__all__ = ["KaplanMeier", "LogrankResult", "kaplan_meier", "logrank_test"]

# --------------------------------------------------------------------------- Kaplan-Meier


def _label(value: object) -> str:
    return str(value)


@dataclass(frozen=True, slots=True, eq=False)
class KaplanMeier:
    """Kaplan-Meier survival curves, overall and per group (lifelines underneath).

    Compared by identity (``eq=False``): the curves live in fitted lifelines objects, which
    define no equality. Compare ``to_frame()`` of two results instead. Pickles round-trip.

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
        times = check_horizons(horizons)
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
        """Survival curves with confidence bands; see :func:`growthkit.plotting.plot_survival`."""
        from growthkit.plotting import plot_survival

        return plot_survival(self, ax=ax, groups_only=groups_only, ci=ci)

    def __str__(self) -> str:
        n = int(self.fitter.event_observed.shape[0])
        churned = int(np.sum(self.fitter.event_observed))
        head = f"KaplanMeier({n} customers, {churned} churned"
        head += f", by {self.group_name})" if self.group_name else ")"
        med = self.median_lifetime().to_frame().T.to_string()
        return f"{head}\nmedian lifetime (days):\n{med}"


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
    level = confidence(confidence_level)
    durations = table["duration"].to_numpy(dtype=np.float64)
    events = table["churned"].to_numpy(dtype=bool)
    with lifelines_calls("Kaplan-Meier"):
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
        lifelines' ``StatisticalResult`` (not compared by ``==``: lifelines' result objects
        define no equality; the four fields above carry its numbers).

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
    result: Any = field(compare=False)

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
    with lifelines_calls("log-rank test"):
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
