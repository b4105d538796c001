"""The early-warning list: current customers ranked by P(churn within a horizon)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._results import ExactFields
from growthkit.churn._btyd import btyd_label, no_purchase_probability
from growthkit.churn._checks import check_table
from growthkit.churn._gaps import sub_log
from growthkit.churn._regression import ChurnModel
from growthkit.churn._rule import check_horizon, days_since_last, resolve_inactivity, silence_window
from growthkit.errors import DataError, SchemaError

__all__ = [
    "SCORE_KINDS",
    "EarlyWarningList",
    "ScoreKind",
    "bgnbd_churn_probability",
    "early_warning",
    "ranked",
]

#: ``sub_log``'s old name and home (tests/churn/test_churn_table.py imports it from here).
_sub_log = sub_log

ScoreKind = Literal["coxph", "weibull", "lognormal", "bgnbd", "mbgnbd", "paretonbd"]
SCORE_KINDS: tuple[ScoreKind, ...] = (
    "coxph",
    "weibull",
    "lognormal",
    "bgnbd",
    "mbgnbd",
    "paretonbd",
)


class AliveModel(Protocol):
    """What :func:`bgnbd_churn_probability` needs: ``probability_alive``."""

    def probability_alive(
        self, frequency: Any, recency: Any = None, T: Any = None, *, horizon: Any = 0.0
    ) -> npt.NDArray[np.float64]:
        """P(alive ``horizon`` after ``T``)."""
        ...


@dataclass(frozen=True, slots=True, eq=False)
class EarlyWarningList(ExactFields):
    """Current customers ranked by their probability of churning within a horizon.

    Attributes
    ----------
    table
        Indexed by customer (not-yet-churned customers only), highest risk first (a fresh
        copy on each access): ``rank`` (1 = most at risk), ``churn_probability``,
        ``duration`` (days since the first order), ``days_since_last``, then ``driver_1``,
        ``contribution_1``, ... naming the covariates that push the customer's risk up
        most and their contributions (survival models; see
        :meth:`ChurnModel.risk_contributions`).
    horizon_days
        The horizon of ``churn_probability``.
    score
        The model's label: ``"coxph"``, ``"weibull"``, ``"lognormal"`` (a
        :class:`ChurnModel` of either clock), ``"bgnbd"``, ``"mbgnbd"`` or ``"paretonbd"``
        (``growthkit.clv.BetaGeo``, ``ModifiedBetaGeo``, ``ParetoNBD``).
    inactivity_days
        The churn rule the probabilities follow.

    Notes
    -----
    Two lists are ``==`` when their fields and tables are exactly equal. Pickles
    round-trip.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, fit_gap_model, survival_table
    >>> tx = gk.datasets.load_cdnow()
    >>> table = survival_table(tx)
    >>> alerts = early_warning(fit_gap_model(tx), table, inactivity_days=90)
    >>> alerts.score, alerts.horizon_days, len(alerts.table)
    ('coxph', 30.0, 300)
    >>> alerts.top(2)[["rank", "days_since_last", "driver_1"]]  # doctest: +NORMALIZE_WHITESPACE
                 rank  days_since_last driver_1
    customer_id
    481             1               90   orders
    1858            2               89   orders
    """

    _table: pd.DataFrame
    horizon_days: float
    score: str
    inactivity_days: int = 90

    @property
    def table(self) -> pd.DataFrame:
        """The ranked table (a copy)."""
        return self._table.copy()

    def top(self, k: int) -> pd.DataFrame:
        """Return the ``k`` customers most at risk."""
        return self._table.iloc[: v.check_positive_int("k", k)].copy()

    def to_frame(self) -> pd.DataFrame:
        """Return the ranked table (a copy)."""
        return self._table.copy()

    def __str__(self) -> str:
        n = len(self._table)
        head = (
            f"EarlyWarningList({n} current customers, P(churn within "
            f"{self.horizon_days:g} days) under a {self.inactivity_days}-day rule, "
            f"score={self.score})"
        )
        return f"{head}\n{self._table.head(10).to_string()}"


def ranked(index: pd.Index, prob: npt.NDArray[np.float64], extra: dict[str, Any]) -> pd.DataFrame:
    """Rows sorted by decreasing ``prob`` (stable), with ``rank`` and the extra columns."""
    order = np.argsort(-prob, kind="stable")
    columns: dict[str, Any] = {
        "rank": np.arange(1, len(order) + 1, dtype=np.int64),
        "churn_probability": prob[order],
    }
    for name, values in extra.items():
        columns[name] = np.asarray(values)[order]
    return pd.DataFrame(columns, index=index[order])


def _drivers(contrib: pd.DataFrame, n_drivers: int) -> dict[str, Any]:
    values = contrib.to_numpy(dtype=np.float64)
    names = np.asarray(contrib.columns, dtype=object)
    k = min(n_drivers, values.shape[1])
    top = np.argsort(-values, axis=1, kind="stable")[:, :k]
    rows = np.arange(values.shape[0])[:, None]
    out: dict[str, Any] = {}
    cats = pd.CategoricalDtype(list(contrib.columns))
    for j in range(k):
        out[f"driver_{j + 1}"] = pd.Categorical(names[top[:, j]], dtype=cats)
        out[f"contribution_{j + 1}"] = values[rows[:, 0], top[:, j]]
    return out


def early_warning(
    model: ChurnModel | Any,
    table: pd.DataFrame,
    *,
    horizon_days: float = 30,
    n_drivers: int = 3,
    summary: pd.DataFrame | None = None,
    inactivity_days: int | None = None,
) -> EarlyWarningList:
    r"""Rank current customers by P(churn within ``horizon_days``) under the churn rule.

    Parameters
    ----------
    model
        A :func:`fit_gap_model` result (inter-purchase clock), a fitted
        ``growthkit.clv.BetaGeo``, ``ModifiedBetaGeo`` or ``ParetoNBD`` (fitted on daily
        data; needs ``summary``), or a :func:`fit_churn_model` result (age clock; see
        Notes).
    table
        The :func:`survival_table` to score; customers with ``churned`` are left out (they
        have churned already), everyone else is ranked.
    horizon_days
        Horizon of the churn probability, in days: at most ``inactivity_days``.
    n_drivers
        How many top risk drivers to show per customer (survival models).
    summary
        For a BTYD model only: ``customer_summary(..., period="D")`` at the table's
        ``observation_end`` (time unit days), indexed like ``table``.
    inactivity_days
        The ``inactivity_days`` the table was built with; read from the table when
        ``None`` (possible when a current customer has exactly ``k`` days of silence and a
        churned one ``k + 1``).

    Returns
    -------
    EarlyWarningList
        ``.table`` ranked by ``churn_probability`` (highest first) with drivers.

    Raises
    ------
    DataError
        ``horizon_days`` not positive or larger than ``inactivity_days``, an
        ``inactivity_days`` that contradicts the table's ``churned`` flags or cannot be
        read from it, or no current customer to rank.
    SchemaError
        No ``days_since_last`` column, a BTYD model without ``summary`` or a summary that
        misses current customers, or a ``model`` of another type.

    Notes
    -----
    With ``d`` days since the last order, ``k = inactivity_days`` and horizon ``h``, the
    customer churns by ``h`` days from now exactly when ``d + h > k`` and no order comes in
    the next ``k + 1 - d`` days (the first day the gap exceeds ``k``). So

    .. math:: P(\text{churn within } h) = 1[d + h > k]\; P(\text{no order in } k + 1 - d
              \text{ days} \mid \text{history}),

    exactly 0 for customers who cannot churn within the horizon. The second factor:

    - inter-purchase clock: ``S(k + 1 | x) / S(d | x)`` (lifelines' ``conditional_after``);
    - BG/NBD, MBG/NBD: ``1 - P_a + P_a ((alpha + T) / (alpha + T + w))^(r + x)``;
      Pareto/NBD adds dropout during the window (formulas in the guide, ``docs/churn.md``);
    - age clock: the survival of the churn age conditioned on its lower bound ``t - d + k``
      (:meth:`ChurnModel.churn_probability`), a coarser score.

    Drivers are the covariates with the largest contribution to the churn risk relative to
    the average row, from :meth:`ChurnModel.risk_contributions` (signed so that a positive
    value pushes towards churn on either clock); negative contributions lower the risk.
    BTYD models show no drivers.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, survival_table
    >>> from growthkit.clv import ModifiedBetaGeo
    >>> tx = gk.datasets.load_cdnow()
    >>> table = survival_table(tx)
    >>> summary = gk.customer_summary(tx, period="D")
    >>> alerts = early_warning(ModifiedBetaGeo.fit(summary), table, summary=summary,
    ...                        inactivity_days=90)
    >>> alerts.score, list(alerts.table.columns)
    ('mbgnbd', ['rank', 'churn_probability', 'duration', 'days_since_last'])
    >>> t = alerts.table
    >>> bool((t.loc[t["days_since_last"] <= 60, "churn_probability"] == 0).all())
    True
    """
    table = check_table(table)
    current = table.loc[~table["churned"].to_numpy(dtype=bool)]
    if len(current) == 0:
        raise DataError(
            v.message("churned", "is True for every customer: nobody is left to rank", len(table))
        )
    k = resolve_inactivity(table, inactivity_days)
    h = check_horizon(horizon_days, k)
    n_top = v.check_positive_int("n_drivers", n_drivers)
    d = days_since_last(current)
    extra: dict[str, Any] = {
        "duration": current["duration"].to_numpy(),
        "days_since_last": current["days_since_last"].to_numpy(),
    }
    score: str
    if isinstance(model, ChurnModel):
        prob = model.churn_probability(current, horizon_days=h, inactivity_days=k)
        extra.update(_drivers(model.risk_contributions(current), n_top))
        score = model.kind
    else:
        label = btyd_label(model)
        if label is None:
            raise SchemaError(
                v.message(
                    "model",
                    "must be a ChurnModel or a fitted growthkit.clv BetaGeo, ModifiedBetaGeo "
                    f"or ParetoNBD, got {type(model).__name__}",
                    len(current),
                )
            )
        rows = _summary_rows(summary, current.index)
        prob = pd.Series(btyd_churn_probability(model, rows, d, h, k), index=current.index)
        score = label
    return EarlyWarningList(
        _table=ranked(current.index, prob.to_numpy(dtype=np.float64), extra),
        horizon_days=h,
        score=score,
        inactivity_days=k,
    )


def btyd_churn_probability(
    model: Any, summary: pd.DataFrame, d: npt.NDArray[np.float64], h: float, k: int
) -> npt.NDArray[np.float64]:
    """The churn rule's probability from a BTYD model: gate times P(no purchase in w)."""
    eligible, w = silence_window(d, h, k)
    p = np.zeros(len(summary), dtype=np.float64)
    rows = np.flatnonzero(eligible)
    if rows.size:
        p[rows] = no_purchase_probability(model, summary.iloc[rows], w[rows])
    return p


def _summary_rows(summary: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    if summary is None:
        raise SchemaError(
            v.message(
                "summary",
                "is required with a BG/NBD model",
                len(index),
                "Pass summary=customer_summary(tx, period='D') (the model's fitting data).",
            )
        )
    missing = int(np.count_nonzero(~index.isin(summary.index)))
    if missing:
        raise SchemaError(v.message("summary", "has no row for some current customers", missing))
    return summary.loc[index]


def bgnbd_churn_probability(
    model: AliveModel, summary: pd.DataFrame, *, horizon_days: float
) -> pd.Series:
    """``1 - P(alive horizon_days after T)`` from a fitted BG/NBD (days as time unit).

    Parameters
    ----------
    model
        A fitted ``growthkit.clv.BetaGeo`` or ``ModifiedBetaGeo`` (anything with its
        ``probability_alive(frequency, recency, T, horizon=...)``), fitted on daily data.
    summary
        :func:`~growthkit.customer_summary` with ``period="D"`` of the customers to score
        (columns ``frequency``, ``recency``, ``T``).
    horizon_days
        Days after ``T`` (the end of observation) at which the customer should be alive.

    Returns
    -------
    pandas.Series
        ``churn_probability`` in [0, 1], indexed like ``summary``.

    Notes
    -----
    This is the probability of having *dropped out* by ``T + horizon_days``, not of being
    flagged by the churn rule (which needs ``inactivity_days`` of silence first): for
    early-warning probabilities use :func:`early_warning` with the model, which returns
    ``1[d + h > k] P(no purchase in the next k + 1 - d days)``.

    BG/NBD keeps a customer with no repeat purchase alive (``P(alive) = 1``), so it ranks
    one-order customers last; ``ModifiedBetaGeo`` (MBG/NBD) lets them drop out.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import bgnbd_churn_probability
    >>> from growthkit.clv import ModifiedBetaGeo
    >>> summary = gk.customer_summary(gk.datasets.load_cdnow(), period="D")
    >>> model = ModifiedBetaGeo.fit(summary)
    >>> p = bgnbd_churn_probability(model, summary, horizon_days=30)
    >>> p.name, bool(p.between(0.0, 1.0).all())
    ('churn_probability', True)
    """
    alive = model.probability_alive(
        summary["frequency"].to_numpy(dtype=np.float64),
        summary["recency"].to_numpy(dtype=np.float64),
        summary["T"].to_numpy(dtype=np.float64),
        horizon=horizon_days,
    )
    p = np.clip(1.0 - np.asarray(alive, dtype=np.float64), 0.0, 1.0)
    return pd.Series(p, index=summary.index, name="churn_probability")
