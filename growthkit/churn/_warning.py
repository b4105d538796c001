"""The early-warning list and its out-of-time evaluation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions, as_transactions
from growthkit.churn._models import (
    ChurnModel,
    ModelKind,
    check_table,
    fit_churn_model,
)
from growthkit.churn._table import _table
from growthkit.errors import DataError, SchemaError

__all__ = [
    "EarlyWarningEvaluation",
    "EarlyWarningList",
    "ScoreKind",
    "early_warning",
    "evaluate_early_warning",
]

ScoreKind = Literal["coxph", "weibull", "lognormal", "bgnbd", "mbgnbd"]
SCORE_KINDS: tuple[ScoreKind, ...] = ("coxph", "weibull", "lognormal", "bgnbd", "mbgnbd")


class AliveModel(Protocol):
    """What the BG/NBD hook needs: ``growthkit.clv.BetaGeo``'s ``probability_alive``."""

    def probability_alive(
        self, frequency: Any, recency: Any = None, T: Any = None, *, horizon: Any = 0.0
    ) -> npt.NDArray[np.float64]:
        """P(alive ``horizon`` after ``T``)."""
        ...


@dataclass(frozen=True, slots=True)
class EarlyWarningList:
    """Current customers ranked by their probability of churning within a horizon.

    Attributes
    ----------
    table
        Indexed by customer (not-yet-churned customers only), highest risk first:
        ``rank`` (1 = most at risk), ``churn_probability``, ``duration`` (days since the
        first order), ``days_since_last`` (when the table has it), then ``driver_1``,
        ``contribution_1``, ... naming the covariates that push the customer's risk up
        most and their contributions (see :meth:`ChurnModel.risk_contributions`).
    horizon_days
        The horizon of ``churn_probability``.
    score
        ``"coxph"``, ``"weibull"``, ``"lognormal"`` or ``"bgnbd"``.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, fit_churn_model, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow())
    >>> alerts = early_warning(fit_churn_model(table, covariates=["orders"]), table)
    >>> alerts.score, alerts.horizon_days, len(alerts.table)
    ('coxph', 30.0, 300)
    >>> alerts.top(2)[["rank", "driver_1"]]  # doctest: +NORMALIZE_WHITESPACE
                 rank driver_1
    customer_id
    914             1   orders
    903             2   orders
    """

    table: pd.DataFrame
    horizon_days: float
    score: str

    def top(self, k: int) -> pd.DataFrame:
        """Return the ``k`` customers most at risk."""
        return self.table.iloc[: v.check_positive_int("k", k)]

    def to_frame(self) -> pd.DataFrame:
        """Return the ranked table."""
        return self.table

    def __str__(self) -> str:
        n = len(self.table)
        head = (
            f"EarlyWarningList({n} current customers, P(churn within "
            f"{self.horizon_days:g} days), score={self.score})"
        )
        return f"{head}\n{self.table.head(10).to_string()}"


def _horizon(value: object) -> float:
    try:
        h = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        h = float("nan")
    if not (np.isfinite(h) and h > 0):
        raise DataError(v.message("horizon_days", f"must be a positive number, got {value!r}", 1))
    return h


def _ranked(index: pd.Index, prob: npt.NDArray[np.float64], extra: dict[str, Any]) -> pd.DataFrame:
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
    model: ChurnModel | AliveModel,
    table: pd.DataFrame,
    *,
    horizon_days: float = 30,
    n_drivers: int = 3,
    summary: pd.DataFrame | None = None,
) -> EarlyWarningList:
    """Rank current customers by P(churn within ``horizon_days`` | survived so far).

    Parameters
    ----------
    model
        A :func:`fit_churn_model` result, or a fitted BG/NBD-style purchase model with
        ``probability_alive(frequency, recency, T, horizon=...)`` (``growthkit.clv.BetaGeo``
        or ``ModifiedBetaGeo``), scored as ``1 - P(alive horizon_days after T)``; it needs
        ``summary`` and shows no drivers.
    table
        The :func:`survival_table` to score; customers with ``churned`` are left out (they
        have churned already), everyone else is ranked.
    horizon_days
        Horizon of the churn probability, in days.
    n_drivers
        How many top risk drivers to show per customer.
    summary
        For a BG/NBD model only: the ``customer_summary(..., period="D")`` the model was
        fitted on (time unit days), indexed like ``table``.

    Returns
    -------
    EarlyWarningList
        ``.table`` ranked by ``churn_probability`` (highest first) with drivers.

    Raises
    ------
    DataError
        ``horizon_days`` not positive, or no current customer to rank.
    SchemaError
        A BG/NBD model without ``summary``, or a summary that misses current customers.

    Notes
    -----
    For a customer of age ``t`` (``duration``, days since the first order) with covariates
    ``x``, ``P = 1 - S(t + h | x) / S(t | x)``: the model's survival conditional on having
    survived to ``t`` (lifelines' ``conditional_after``). Drivers are the covariates with the
    largest contribution to the risk score relative to the average customer,
    ``beta_j (x_ij - mean_j)`` for Cox (log-hazard scale) and ``-beta_j (x_ij - mean_j)``
    for AFT models (log-time scale); negative contributions lower the risk.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import early_warning, fit_churn_model, survival_table
    >>> table = survival_table(gk.datasets.load_cdnow(), amount_col="amount")
    >>> cox = fit_churn_model(table, covariates=["orders", "mean_gap_days"])
    >>> alerts = early_warning(cox, table, horizon_days=30, n_drivers=1)
    >>> list(alerts.table.columns)
    ['rank', 'churn_probability', 'duration', 'days_since_last', 'driver_1', 'contribution_1']
    """
    table = check_table(table)
    h = _horizon(horizon_days)
    k = v.check_positive_int("n_drivers", n_drivers)
    current = table.loc[~table["churned"].to_numpy(dtype=bool)]
    if len(current) == 0:
        raise DataError(
            v.message("churned", "is True for every customer: nobody is left to rank", len(table))
        )
    extra: dict[str, Any] = {"duration": current["duration"].to_numpy()}
    if "days_since_last" in current.columns:
        extra["days_since_last"] = current["days_since_last"].to_numpy()
    score: str
    if isinstance(model, ChurnModel):
        prob = model.churn_probability(current, horizon_days=h).to_numpy(dtype=np.float64)
        extra.update(_drivers(model.risk_contributions(current), k))
        score = model.kind
    else:
        rows = _summary_rows(summary, current.index)
        prob = bgnbd_churn_probability(model, rows, horizon_days=h).to_numpy(dtype=np.float64)
        score = type(model).__name__
    return EarlyWarningList(table=_ranked(current.index, prob, extra), horizon_days=h, score=score)


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


@dataclass(frozen=True, slots=True)
class EarlyWarningEvaluation:
    """Out-of-time check of an early-warning ranking.

    Attributes
    ----------
    score
        The model that ranked the customers.
    cutoff, evaluation_end
        Fit and ranking use orders up to ``cutoff``; outcomes are read at
        ``evaluation_end = cutoff + horizon_days``.
    horizon_days
        The churn horizon.
    n_customers
        Customers current (not churned) at the cutoff, the ones ranked.
    base_rate
        Share of them that churned by ``evaluation_end``.
    concordance
        Harrell's C between the predicted probability and the observed time to churn after
        the cutoff (``lifelines.utils.concordance_index``); 0.5 is random ordering.
    at_k
        Per top-k: ``precision`` (share of the k highest-risk customers who churned),
        ``recall`` and ``lift`` (precision / base rate).
    ranking
        The early-warning list made at the cutoff, with the observed ``churned_after``.
    model
        The fitted :class:`ChurnModel` (or the BG/NBD model for ``score="bgnbd"``).

    Examples
    --------
    Customers ranked at the end of March, checked against who churned in the next 60 days:

    >>> from growthkit.churn import evaluate_early_warning
    >>> from growthkit.datasets import simulate_transactions
    >>> ev = evaluate_early_warning(
    ...     simulate_transactions(2000, seed=3), cutoff="2024-03-31", horizon_days=60,
    ...     top_k=[50, 100])
    >>> ev.n_customers, round(ev.base_rate, 3), round(ev.concordance, 3)
    (347, 0.429, 0.872)
    >>> ev.to_frame().round(3)  # doctest: +NORMALIZE_WHITESPACE
         precision  recall   lift
    k
    50        0.88   0.295  2.049
    100       0.83   0.557  1.933
    """

    score: str
    cutoff: pd.Timestamp
    evaluation_end: pd.Timestamp
    horizon_days: float
    n_customers: int
    base_rate: float
    concordance: float
    at_k: pd.DataFrame
    ranking: pd.DataFrame
    model: Any

    def to_frame(self) -> pd.DataFrame:
        """Return the top-k table (``precision``, ``recall``, ``lift`` per k)."""
        return self.at_k

    def __str__(self) -> str:
        return (
            f"EarlyWarningEvaluation(score={self.score}, cutoff={self.cutoff}, horizon="
            f"{self.horizon_days:g} days, {self.n_customers} customers, base rate "
            f"{self.base_rate:.3f}, concordance {self.concordance:.3f})\n"
            f"{self.at_k.to_string()}"
        )


def _sub_log(log: Transactions, end_ticks: int) -> tuple[Transactions, npt.NDArray[np.bool_]]:
    """Keep the orders up to ``end_ticks`` and every customer code (some without orders)."""
    from dataclasses import replace

    keep = log.ticks <= end_ticks
    amounts = None if log.amounts is None else log.amounts[keep]
    sub = replace(log, codes=log.codes[keep], ticks=log.ticks[keep], amounts=amounts)
    present = np.bincount(sub.codes, minlength=log.n_customers) > 0
    return sub, present


def evaluate_early_warning(
    tx: pd.DataFrame | Transactions,
    *,
    cutoff: object,
    horizon_days: float = 90,
    score: ScoreKind = "coxph",
    covariates: Sequence[str] | None = None,
    inactivity_days: int = 90,
    top_k: Sequence[int] | int = (100, 1000),
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
) -> EarlyWarningEvaluation:
    """Fit at ``cutoff``, rank current customers, and check who churned afterwards.

    Parameters
    ----------
    tx
        Order log (it must reach ``cutoff + horizon_days``) or prepared transactions.
    cutoff
        Only orders up to this time are used to fit and score.
    horizon_days
        Churn horizon of the ranking; outcomes are read ``horizon_days`` after ``cutoff``.
    score
        ``"coxph"``, ``"weibull"``, ``"lognormal"`` (a :func:`fit_churn_model` on the
        cutoff's survival table) or ``"bgnbd"`` (``growthkit.clv.BetaGeo`` fitted on the
        cutoff's daily customer summary, score ``1 - P(alive horizon_days after cutoff)``)
        or ``"mbgnbd"`` (the same with ``growthkit.clv.ModifiedBetaGeo``). BG/NBD holds
        every one-order customer alive (P(alive) = 1 before the first repeat purchase), so
        it ranks the customers this churn rule flags first last; MBG/NBD lets them drop out.
    covariates
        Model covariates (survival models only); see :func:`fit_churn_model`.
    inactivity_days
        The churn rule of :func:`survival_table`, applied at the cutoff and at the end.
    top_k
        Sizes of the top-of-list for precision and lift (clipped to the customers ranked).
    customer_col, time_col, amount_col
        Column names.

    Returns
    -------
    EarlyWarningEvaluation

    Raises
    ------
    DataError
        ``cutoff + horizon_days`` beyond the last order, no order before ``cutoff``, or the
        checks of :func:`survival_table` and :func:`fit_churn_model`.

    Notes
    -----
    A customer current at the cutoff churns within the horizon when, at ``evaluation_end``,
    ``evaluation_end - last order > inactivity_days`` (:func:`survival_table`'s rule on the
    log truncated at ``evaluation_end``). The concordance pairs the score with the
    observed durations and churn flags of that later table (higher probability should mean
    earlier churn).

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning
    >>> tx = gk.datasets.simulate_transactions(3000, seed=1)
    >>> ev = evaluate_early_warning(tx, cutoff="2024-06-30", horizon_days=90, top_k=100)
    >>> ev.concordance > 0.6
    True
    """
    kind = v.check_choice("score", score, SCORE_KINDS)
    h = _horizon(horizon_days)
    k_rule = v.check_positive_int("inactivity_days", inactivity_days)
    ks = [top_k] if isinstance(top_k, (int, np.integer)) else list(top_k)
    ks = [v.check_positive_int("top_k", k) for k in ks]
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    cut_stamp = v.resolve_observation_end(cutoff, tz=log.tz, name="cutoff")
    cut_ticks = log.to_ticks(cut_stamp)
    end_stamp = cut_stamp + pd.Timedelta(days=h)
    end_ticks = log.to_ticks(end_stamp)
    if end_ticks > int(log.ticks.max()):
        raise DataError(
            v.message(
                "cutoff",
                f"plus horizon_days ({end_stamp}) is after the last order ({log.latest})",
                1,
                "Pass an earlier cutoff or a shorter horizon_days.",
            )
        )
    cal, cal_present = _sub_log(log, cut_ticks)
    if not cal_present.any():
        raise DataError(
            v.message(log.time_col, f"has no orders at or before cutoff ({cut_stamp})", 0)
        )
    cal_table = _table(cal, cut_ticks, k_rule).loc[cal_present]
    current = ~cal_table["churned"].to_numpy(dtype=bool)
    if not current.any():
        raise DataError(
            v.message("churned", "is True for every customer at the cutoff", len(cal_table))
        )
    fitted: Any
    if kind in ("bgnbd", "mbgnbd"):
        prob, fitted = _bgnbd_scores(kind, cal, cut_stamp, cal_present, current, h)
    else:
        fitted = fit_churn_model(cal_table, model=cast(ModelKind, kind), covariates=covariates)
        prob = fitted.churn_probability(cal_table.loc[current], horizon_days=h).to_numpy()
    later, _ = _sub_log(log, end_ticks)
    outcome = _table(later, end_ticks, k_rule).loc[cal_present].loc[current]
    churned_after = outcome["churned"].to_numpy(dtype=bool)
    return _evaluation(kind, cut_stamp, end_stamp, h, outcome, prob, churned_after, ks, fitted)


def _bgnbd_scores(
    kind: str,
    cal: Transactions,
    cut_stamp: pd.Timestamp,
    present: npt.NDArray[np.bool_],
    current: npt.NDArray[np.bool_],
    h: float,
) -> tuple[npt.NDArray[np.float64], Any]:
    from growthkit.clv import BetaGeo, ModifiedBetaGeo
    from growthkit.summary import customer_summary

    summary = customer_summary(cal, observation_end=cut_stamp, period="D").loc[present]
    model = (BetaGeo if kind == "bgnbd" else ModifiedBetaGeo).fit(summary)
    scores = bgnbd_churn_probability(model, summary.loc[current], horizon_days=h)
    return scores.to_numpy(dtype=np.float64), model


def _evaluation(
    kind: str,
    cut_stamp: pd.Timestamp,
    end_stamp: pd.Timestamp,
    h: float,
    outcome: pd.DataFrame,
    prob: npt.NDArray[np.float64],
    churned_after: npt.NDArray[np.bool_],
    ks: list[int],
    fitted: Any,
) -> EarlyWarningEvaluation:
    from lifelines.utils import concordance_index

    n = len(outcome)
    base = float(churned_after.mean())
    try:
        # Higher churn probability should mean a shorter time to churn: hence -prob.
        conc = float(
            concordance_index(outcome["duration"].to_numpy(dtype=np.float64), -prob, churned_after)
        )
    except ZeroDivisionError:  # no comparable pair: nobody churned after the cutoff
        conc = float("nan")
    ranking = _ranked(
        outcome.index,
        prob,
        {"churned_after": churned_after, "duration_after": outcome["duration"].to_numpy()},
    )
    hits = np.cumsum(ranking["churned_after"].to_numpy(dtype=np.int64))
    total = max(int(hits[-1]), 1)
    rows = []
    for k in ks:
        kk = min(k, n)
        precision = float(hits[kk - 1] / kk)
        rows.append(
            {
                "k": kk,
                "precision": precision,
                "recall": float(hits[kk - 1] / total),
                "lift": precision / base if base > 0 else float("nan"),
            }
        )
    at_k = pd.DataFrame(rows).set_index("k")
    return EarlyWarningEvaluation(
        score=kind,
        cutoff=cut_stamp,
        evaluation_end=end_stamp,
        horizon_days=h,
        n_customers=n,
        base_rate=base,
        concordance=conc,
        at_k=at_k,
        ranking=ranking,
        model=fitted,
    )
