"""Out-of-time evaluation of the early-warning probabilities against simple baselines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._prepare import Transactions, as_transactions
from growthkit._results import ExactFields
from growthkit.churn._checks import ModelKind
from growthkit.churn._gaps import fit_gaps, sub_log
from growthkit.churn._rule import check_horizon, silence_window
from growthkit.churn._table import _table
from growthkit.churn._warning import (
    SCORE_KINDS,
    ScoreKind,
    btyd_churn_probability,
    ranked,
)
from growthkit.errors import DataError

__all__ = ["DEFAULT_SCORE", "BASELINES", "EarlyWarningEvaluation", "evaluate_early_warning"]

#: The default model: measured against every other one in ``docs/churn.md`` (all of them
#: pass the bar there; MBG/NBD is as good as the best, lets one-order customers drop out,
#: and fits in milliseconds).
DEFAULT_SCORE: ScoreKind = "mbgnbd"
#: The baselines every evaluation reports beside the model.
BASELINES: tuple[str, ...] = ("days_since_last", "rfm_score", "base_rate")
_EPS = 1e-15
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True, eq=False)
class EarlyWarningEvaluation(ExactFields):
    """Out-of-time check of early-warning probabilities, beside three baselines.

    Attributes
    ----------
    score
        The model's label (``"mbgnbd"``, ``"coxph"``, ...).
    cutoff, evaluation_end
        Fit and ranking use the orders up to the end of the cutoff's day; outcomes are read
        up to the end of day ``cutoff + horizon_days`` (``evaluation_end``).
    horizon_days, inactivity_days
        The churn rule and its horizon.
    n_customers
        Customers current (not churned) at the cutoff: the ones scored.
    base_rate
        Share of them that churned by ``evaluation_end``.
    concordance
        Harrell's C between the probability and the days from the cutoff to churn
        (customers who did not churn are censored at the horizon); NaN when nobody churned.
    metrics
        One row per score (the model, then ``days_since_last``, ``rfm_score``,
        ``base_rate``): ``auc``, ``brier``, ``log_loss``, ``calibration_error``. The two
        rank baselines give no probability: their last three are missing (NaN).
    at_k
        The model's ``precision``, ``recall`` and ``lift`` for each top-``k`` (index ``k``).
    baselines_at_k
        The same for every score, indexed by ``(score, k)``.
    calibration
        The model's reliability by decile of the probability (``bin`` 1-10, equal
        probabilities in one bin, so the many exact zeros share the first):
        ``customers``, ``mean_probability``, ``churn_rate``.
    ranking
        Per customer, ranked by the model: ``rank``, ``churn_probability``,
        ``churned_after``, ``days_since_last``, ``rfm_score``.
    model
        The fitted model (a :class:`ChurnModel` or a ``growthkit.clv`` model).

    Notes
    -----
    Frames are fresh copies on each access. Two evaluations are ``==`` when every field but
    ``model`` is exactly equal (the model is a fit on the same data, and lifelines fitters
    define no equality). Pickles round-trip.

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning
    >>> ev = evaluate_early_warning(gk.datasets.load_cdnow(), cutoff="1997-12-31",
    ...                             horizon_days=30, top_k=[20, 50])
    >>> ev.score, ev.n_customers, round(ev.base_rate, 3)
    ('mbgnbd', 402, 0.179)
    >>> cols = ["auc", "brier", "calibration_error", "precision@20"]
    >>> ev.to_frame()[cols].round(3)  # doctest: +NORMALIZE_WHITESPACE
                       auc  brier  calibration_error  precision@20
    score
    mbgnbd           0.993  0.016               0.01          1.00
    days_since_last  0.992    NaN                NaN          0.90
    rfm_score        0.600    NaN                NaN          0.30
    base_rate        0.500  0.147               0.00          0.05
    """

    score: str
    cutoff: pd.Timestamp
    evaluation_end: pd.Timestamp
    horizon_days: float
    inactivity_days: int
    n_customers: int
    base_rate: float
    concordance: float
    _metrics: pd.DataFrame
    _at_k: pd.DataFrame
    _calibration: pd.DataFrame
    _ranking: pd.DataFrame
    model: Any = field(default=None)

    not_compared = ("model",)

    @property
    def metrics(self) -> pd.DataFrame:
        """AUC, Brier, log loss and calibration error per score (a copy)."""
        return self._metrics.copy()

    @property
    def at_k(self) -> pd.DataFrame:
        """The model's precision, recall and lift per top-k (a copy)."""
        return cast(pd.DataFrame, self._at_k.xs(self.score, level="score")).copy()

    @property
    def baselines_at_k(self) -> pd.DataFrame:
        """Precision, recall and lift per score and top-k (a copy)."""
        return self._at_k.copy()

    @property
    def calibration(self) -> pd.DataFrame:
        """The model's reliability table by decile (a copy)."""
        return self._calibration.copy()

    @property
    def ranking(self) -> pd.DataFrame:
        """Per-customer probabilities, outcomes and baseline scores (a copy)."""
        return self._ranking.copy()

    def to_frame(self) -> pd.DataFrame:
        """Model and baselines side by side: metrics, then ``precision@k``, ``lift@k``."""
        wide = cast(pd.DataFrame, self._at_k[["precision", "lift"]].unstack("k"))
        pairs = cast(list[tuple[str, int]], wide.columns.to_list())
        wide.columns = pd.Index([f"{name}@{k}" for name, k in pairs])
        order = [
            f"{name}@{k}" for k in self._at_k.index.unique("k") for name in ("precision", "lift")
        ]
        out = self._metrics.join(wide[order])
        out.index.name = "score"
        return out

    def plot(self, *, ax: Any = None) -> Any:
        """Calibration curve and lift curve; see :func:`growthkit.plotting.plot_evaluation`."""
        from growthkit.plotting import plot_evaluation

        return plot_evaluation(self, ax=ax)

    def __str__(self) -> str:
        return (
            f"EarlyWarningEvaluation(score={self.score}, cutoff={self.cutoff}, horizon="
            f"{self.horizon_days:g} days, rule {self.inactivity_days} days, "
            f"{self.n_customers} customers, base rate {self.base_rate:.3f}, concordance "
            f"{self.concordance:.3f})\n{self.to_frame().to_string()}"
        )


# --------------------------------------------------------------------------- metrics


def auc(score: FloatArray, y: BoolArray) -> float:
    """Area under the ROC curve (Mann-Whitney, ties count one half); 0.5 without both classes."""
    from scipy.stats import rankdata

    n1 = int(np.count_nonzero(y))
    n0 = y.shape[0] - n1
    if n1 == 0 or n0 == 0:
        return 0.5
    ranks = rankdata(score)
    return float((ranks[y].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def calibration_table(p: FloatArray, y: BoolArray, bins: int = 10) -> pd.DataFrame:
    """Reliability by deciles of the probability; equal probabilities share a bin.

    A customer goes to bin ``floor(bins * m / n) + 1`` with ``m`` the number of customers
    whose probability is strictly smaller (so a constant score is one bin).
    """
    n = p.shape[0]
    smaller = np.searchsorted(np.sort(p, kind="stable"), p, side="left")
    b = (bins * smaller) // max(n, 1) + 1
    frame = pd.DataFrame({"bin": b, "p": p, "y": y.astype(np.float64)})
    g = frame.groupby("bin", sort=True)
    return pd.DataFrame(
        {
            "customers": g.size().astype(np.int64),
            "mean_probability": g["p"].mean(),
            "churn_rate": g["y"].mean(),
        }
    )


def _probability_metrics(p: FloatArray, y: BoolArray) -> dict[str, float]:
    yf = y.astype(np.float64)
    q = np.clip(p, _EPS, 1.0 - _EPS)
    table = calibration_table(p, y)
    gap = (table["mean_probability"] - table["churn_rate"]).abs()
    return {
        "auc": auc(p, y),
        "brier": float(np.mean((p - yf) ** 2)),
        "log_loss": float(-np.mean(yf * np.log(q) + (1.0 - yf) * np.log1p(-q))),
        "calibration_error": float((table["customers"] * gap).sum() / max(len(p), 1)),
    }


def _at_k(score: FloatArray, y: BoolArray, ks: list[int], base: float) -> list[dict[str, float]]:
    hits = np.cumsum(y[np.argsort(-score, kind="stable")].astype(np.int64))
    total = max(int(hits[-1]), 1)
    rows = []
    for k in ks:
        kk = min(k, y.shape[0])
        precision = float(hits[kk - 1] / kk)
        rows.append(
            {
                "k": kk,
                "precision": precision,
                "recall": float(hits[kk - 1] / total),
                "lift": precision / base if base > 0 else float("nan"),
            }
        )
    return rows


# --------------------------------------------------------------------------- evaluation


def _day_end(log: Transactions, day: int) -> pd.Timestamp:
    """The last tick of calendar day ``day`` as a timestamp."""
    return log.to_timestamp((day + 1) * log.ticks_per_day - 1)


def _rfm(cal: Transactions, end: pd.Timestamp, index: pd.Index) -> FloatArray:
    """RFM score (``r + f + m``, quintiles) of each current customer at the cutoff."""
    from growthkit.rfm import rfm_scores

    if cal.amounts is None:  # no order values: monetary is the order count
        cal = replace(cal, amounts=np.ones(cal.n_rows, dtype=np.float64), amount_col="amount")
    scores = rfm_scores(cal, observation_end=end, amount_col=cast(str, cal.amount_col)).table
    return np.asarray(scores["rfm_score"].reindex(index).to_numpy(dtype=np.float64))


def evaluate_early_warning(
    tx: pd.DataFrame | Transactions,
    *,
    cutoff: object,
    horizon_days: float = 90,
    score: ScoreKind = DEFAULT_SCORE,
    covariates: Sequence[str] | None = None,
    inactivity_days: int = 90,
    top_k: Sequence[int] | int = (100, 1000),
    customer_col: str = "customer_id",
    time_col: str = "timestamp",
    amount_col: str | None = None,
) -> EarlyWarningEvaluation:
    """Fit at ``cutoff``, score current customers, and check who churned by the horizon.

    Parameters
    ----------
    tx
        Order log (it must reach ``cutoff + horizon_days``) or prepared transactions.
    cutoff
        Only orders up to the end of this day are used to fit and score.
    horizon_days
        Horizon of the probabilities (at most ``inactivity_days``); outcomes are read
        ``horizon_days`` after ``cutoff``.
    score
        The model: ``"mbgnbd"`` (default), ``"bgnbd"``, ``"paretonbd"`` (``growthkit.clv``
        models fitted on the cutoff's daily customer summary) or ``"coxph"``,
        ``"weibull"``, ``"lognormal"`` (:func:`fit_gap_model` on the orders up to the
        cutoff).
    covariates
        Covariates of the survival models; see :func:`fit_gap_model`.
    inactivity_days
        The churn rule of :func:`survival_table`, at the cutoff and over the horizon.
    top_k
        Sizes of the top-of-list for precision and lift (clipped to the customers scored).
    customer_col, time_col, amount_col
        Column names.

    Returns
    -------
    EarlyWarningEvaluation

    Raises
    ------
    DataError
        ``horizon_days`` larger than ``inactivity_days``, a cutoff before the first order
        or with ``cutoff + horizon_days`` after the last one, nobody current at the
        cutoff, or the checks of the model fits.

    Notes
    -----
    The outcome is the churn rule read day by day: a customer current at the cutoff (day
    ``c``, last order on day ``l``, ``d = c - l <= k``) has churned by day ``c + h`` when
    the gap exceeds ``k`` days on some day up to ``c + h``: ``l + k + 1 <= c + h`` and no
    order on days ``c + 1 .. l + k + 1``. That is the event whose probability
    :func:`early_warning` reports, so probabilities are judged against it directly:

    - ``auc``: P(a churner scores above a non-churner), ties one half;
    - ``brier``: mean of ``(p - y)^2``; ``log_loss``: mean of ``-log`` of the probability
      given to the outcome (clipped to ``[1e-15, 1 - 1e-15]``);
    - ``calibration_error``: customers go to decile bins by probability (bin
      ``floor(10 m / n)`` with ``m`` the customers of strictly smaller probability, so
      ties share a bin); the mean over customers of ``|mean probability - churn rate|``
      of their bin;
    - ``precision``/``lift`` at ``k``: share of churners among the ``k`` highest scores
      (ties in customer order), over the base rate.

    Baselines: ``days_since_last`` (higher = riskier), ``rfm_score`` (``r + f + m`` of
    :func:`~growthkit.rfm_scores` at the cutoff, lower = riskier; without amounts,
    monetary is the order count) and ``base_rate`` (everyone gets the observed churn
    share: the Brier score a model must beat).

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.churn import evaluate_early_warning
    >>> tx = gk.datasets.simulate_transactions(4000, seed=1)
    >>> ev = evaluate_early_warning(tx, cutoff="2024-06-30", horizon_days=30, top_k=100)
    >>> m = ev.metrics
    >>> bool(m.loc["mbgnbd", "auc"] >= m.loc["days_since_last", "auc"] - 0.005)
    True
    >>> bool(m.loc["mbgnbd", "brier"] < m.loc["base_rate", "brier"])
    True
    """
    kind = v.check_choice("score", score, SCORE_KINDS)
    k_rule = v.check_positive_int("inactivity_days", inactivity_days)
    h = check_horizon(horizon_days, k_rule)
    ks = [top_k] if isinstance(top_k, (int, np.integer)) else list(top_k)
    ks = [v.check_positive_int("top_k", k) for k in ks]
    log = as_transactions(tx, customer_col=customer_col, time_col=time_col, amount_col=amount_col)
    cut_stamp = v.resolve_observation_end(cutoff, tz=log.tz, name="cutoff")
    tpd = log.ticks_per_day
    cut_day = log.to_ticks(cut_stamp) // tpd
    days = log.ticks // tpd
    if cut_day < int(days.min()):
        raise DataError(
            v.message(
                log.time_col,
                f"has no orders at or before cutoff ({cut_stamp}): the cutoff is before the "
                f"first order ({log.to_timestamp(int(log.ticks.min()))})",
                0,
                "Pass a cutoff inside the log.",
            )
        )
    end_day = cut_day + int(np.floor(h))
    end_stamp = _day_end(log, end_day)
    if end_day > int(days.max()):
        raise DataError(
            v.message(
                "cutoff",
                f"plus horizon_days (the end of {end_stamp:%Y-%m-%d}) is after the last "
                f"order ({log.latest})",
                1,
                "Pass an earlier cutoff or a shorter horizon_days.",
            )
        )
    cal, present = sub_log(log, (cut_day + 1) * tpd - 1)
    table = _table(cal, (cut_day + 1) * tpd - 1, k_rule).loc[present]
    current = ~table["churned"].to_numpy(dtype=bool)
    if not current.any():
        raise DataError(
            v.message("churned", "is True for every customer at the cutoff", len(table))
        )
    now = table.loc[current]
    d = now["days_since_last"].to_numpy(dtype=np.float64)
    cut_end = _day_end(log, cut_day)
    prob, fitted = _fit_and_score(
        kind, cal, cut_day, cut_end, present, current, now, covariates, h, k_rule
    )
    churned = _churned_by(log, now.index, d, cut_day, end_day, h, k_rule)
    return _evaluation(
        kind,
        (cut_stamp, end_stamp, h, k_rule),
        now,
        prob,
        churned,
        _rfm(cal, cut_end, now.index),
        ks,
        fitted,
    )


def _fit_and_score(
    kind: str,
    cal: Transactions,
    cut_day: int,
    cut_end: pd.Timestamp,
    present: BoolArray,
    current: BoolArray,
    now: pd.DataFrame,
    covariates: Sequence[str] | None,
    h: float,
    k: int,
) -> tuple[FloatArray, Any]:
    if kind in ("coxph", "weibull", "lognormal"):
        model = fit_gaps(cal, cut_day, cast(ModelKind, kind), covariates, 0.0, True)
        p = model.churn_probability(now, horizon_days=h, inactivity_days=k)
        return p.to_numpy(dtype=np.float64), model
    from growthkit.clv import BetaGeo, ModifiedBetaGeo, ParetoNBD
    from growthkit.summary import customer_summary

    summary = customer_summary(cal, observation_end=cut_end, period="D").loc[present]
    cls = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "paretonbd": ParetoNBD}[kind]
    fitted = cls.fit(summary)
    d = now["days_since_last"].to_numpy(dtype=np.float64)
    return btyd_churn_probability(fitted, summary.loc[current], d, h, k), fitted


def _churned_by(
    log: Transactions,
    index: pd.Index,
    d: FloatArray,
    cut_day: int,
    end_day: int,
    h: float,
    k: int,
) -> BoolArray:
    """Who churned by ``end_day`` under the rule (see the Notes of the evaluation)."""
    days = log.ticks // log.ticks_per_day
    after = (days > cut_day) & (days <= end_day)
    first_next = np.full(log.n_customers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_next, log.codes[after], days[after])
    codes = log.customers.get_indexer(index)
    eligible, w = silence_window(d, h, k)
    # The gap first exceeds k on day l + k + 1 = cut_day + w, if no order comes before.
    return np.asarray(eligible & (first_next[codes] > cut_day + w), dtype=bool)


def _evaluation(
    kind: str,
    window: tuple[pd.Timestamp, pd.Timestamp, float, int],
    now: pd.DataFrame,
    prob: FloatArray,
    churned: BoolArray,
    rfm: FloatArray,
    ks: list[int],
    fitted: Any,
) -> EarlyWarningEvaluation:
    from lifelines.utils import concordance_index

    cut_stamp, end_stamp, h, k = window
    d = now["days_since_last"].to_numpy(dtype=np.float64)
    base = float(churned.mean())
    probabilities = {kind: prob, "base_rate": np.full(len(prob), base)}
    rank_scores = {
        kind: prob,
        "days_since_last": d,
        "rfm_score": -rfm,
        "base_rate": probabilities["base_rate"],
    }
    metrics = {}
    at_k = []
    for name, s in rank_scores.items():
        if name in probabilities:
            metrics[name] = _probability_metrics(probabilities[name], churned)
        else:
            nan = float("nan")
            metrics[name] = {
                "auc": auc(s, churned),
                "brier": nan,
                "log_loss": nan,
                "calibration_error": nan,
            }
        at_k += [{"score": name, **row} for row in _at_k(s, churned, ks, base)]
    metrics_frame = pd.DataFrame.from_dict(metrics, orient="index")
    metrics_frame.index.name = "score"
    at_k_frame = pd.DataFrame(at_k).set_index(["score", "k"])
    try:
        # Days from the cutoff to churn (k + 1 - d); non-churners censored at the horizon.
        times = np.where(churned, k + 1.0 - d, np.floor(h))
        conc = float(concordance_index(times, -prob, churned))
    except ZeroDivisionError:  # no comparable pair: nobody churned after the cutoff
        conc = float("nan")
    ranking = ranked(
        now.index,
        prob,
        {
            "churned_after": churned,
            "days_since_last": now["days_since_last"].to_numpy(),
            "rfm_score": rfm,
        },
    )
    return EarlyWarningEvaluation(
        score=kind,
        cutoff=cut_stamp,
        evaluation_end=end_stamp,
        horizon_days=h,
        inactivity_days=k,
        n_customers=len(now),
        base_rate=base,
        concordance=conc,
        _metrics=metrics_frame,
        _at_k=at_k_frame,
        _calibration=calibration_table(prob, churned),
        _ranking=ranking,
        model=fitted,
    )
