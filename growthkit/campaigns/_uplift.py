"""Uplift evaluation of a score on randomised data: uplift and Qini curves, AUUC, uplift at k.

The definitions are scikit-uplift's (``sklift.metrics``, version 0.5.1), reproduced
operation by operation so that the numbers agree to rounding:

- units are ranked by score, highest first, ties in reverse input order
  (``np.argsort(score, kind="mergesort")[::-1]``, which decides ``uplift_at_k``); curve
  points sit at the last unit of each run of tied scores, plus the origin, so they do not
  depend on the order within ties (computed with numpy's fastest sort, and the perfect
  curves, whose scores take two to four values, by counting);
- uplift curve at ``n`` targeted units: ``(Y_t / N_t - Y_c / N_c) * n`` (a rate of 0 for
  an arm with no unit yet); Qini curve: ``Y_t - Y_c * N_t / N_c``;
- the scores are areas by the trapezoid rule between the curve and the random line from
  the origin to the curve's end, divided by the same area of the perfect curve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from growthkit import _validate as v
from growthkit._results import ExactFields, freeze, frozen

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "Strategy",
    "UpliftEvaluation",
    "evaluate_uplift",
    "qini_auc_score",
    "uplift_at_k",
    "uplift_auc_score",
]

Strategy = Literal["overall", "by_group"]
STRATEGIES: tuple[Strategy, ...] = ("overall", "by_group")
CurveKind = Literal["qini", "uplift"]
FloatArray = npt.NDArray[np.float64]


def fmt(x: float) -> str:
    """Numbers for printed results: thousands in full, the rest to four digits."""
    return f"{x:,.0f}" if abs(x) >= 1e4 else f"{x:.4g}"


def _inputs(
    outcome: object, score: object, treatment: object, *, binary: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Validated float arrays: equal length, treatment 0/1 with both arms present."""
    y = v.as_float_array("outcome", outcome, ndim=1)
    s = v.as_float_array("score", score, ndim=1)
    t = v.as_float_array("treatment", treatment, ndim=1)
    for name, arr in (("score", s), ("treatment", t)):
        if arr.shape != y.shape:
            raise v.data_error(
                name,
                f"has {arr.size} values, unlike `outcome` with {y.size}",
                abs(arr.size - y.size),
                "Pass one value per unit.",
            )
    bad = int(np.count_nonzero((t != 0) & (t != 1)))
    if bad:
        raise v.data_error("treatment", "is not 0 or 1", bad, "Pass 1 for treated, 0 for control.")
    if binary:
        bad = int(np.count_nonzero((y != 0) & (y != 1)))
        if bad:
            raise v.data_error(
                "outcome",
                "is not 0 or 1",
                bad,
                "AUUC and the Qini coefficient need a binary outcome (e.g. won back).",
            )
    treated = int(np.count_nonzero(t))
    for arm, count in (("treated", treated), ("control", t.size - treated)):
        if count == 0:
            raise v.data_error(
                "treatment", f"has no {arm} unit", 0, "Uplift needs both arms of a random split."
            )
    return y, s, t


Points = tuple[npt.NDArray[np.int64], FloatArray, FloatArray, FloatArray]


def _points(y: FloatArray, s: FloatArray, t: FloatArray) -> Points:
    """Units targeted at each distinct score, and treated units and outcomes by arm so far.

    Points sit at the ends of runs of tied scores, so the order within a run does not
    matter and numpy's fastest sort serves (sums of 0/1 outcomes are exact in any order).
    """
    order = np.argsort(s)[::-1]
    y, s, t = y[order], s[order], t[order]
    last = np.r_[np.flatnonzero(np.diff(s)), s.size - 1]
    n_treated = np.cumsum(t, dtype=np.float64)[last]
    y_treated = np.cumsum(y * t, dtype=np.float64)[last]
    y_control = np.cumsum(y * (1.0 - t), dtype=np.float64)[last]
    return (last + 1).astype(np.int64), n_treated, y_treated, y_control


def _key_points(key: npt.NDArray[np.int64], y: FloatArray, t: FloatArray) -> Points:
    """:func:`_points` for a score of small non-negative integers, by counting (no sort)."""
    k = int(key.max()) + 1
    count = np.bincount(key, minlength=k)
    present = np.flatnonzero(count)[::-1]
    sums = [np.bincount(key, weights=w, minlength=k)[present] for w in (t, y * t, y * (1 - t))]
    n_t, y_t, y_c = (np.cumsum(x, dtype=np.float64) for x in sums)
    return np.cumsum(count[present]).astype(np.int64), n_t, y_t, y_c


def _curve(points: Points, kind: CurveKind) -> tuple[Any, FloatArray]:
    n, n_t, y_t, y_c = points
    n_c = n - n_t
    zero = np.zeros_like(y_t)
    if kind == "uplift":
        rate_t = np.divide(y_t, n_t, out=zero.copy(), where=n_t != 0)
        rate_c = np.divide(y_c, n_c, out=zero.copy(), where=n_c != 0)
        values = (rate_t - rate_c) * n
    else:
        values = y_t - y_c * np.divide(n_t, n_c, out=zero.copy(), where=n_c != 0)
    return np.r_[0, n], np.r_[0.0, values]


def _trapezoid(x: Any, y: FloatArray) -> float:
    d = np.diff(x)
    return float((d * (y[1:] + y[:-1]) / 2.0).sum())


def _score(actual: tuple[Any, FloatArray], perfect: tuple[Any, FloatArray]) -> float:
    """(area of actual - random) / (area of perfect - random); random ends with perfect."""
    x_p, y_p = perfect
    base = _trapezoid(np.array([0, x_p[-1]]), np.array([0.0, y_p[-1]]))
    top = _trapezoid(x_p, y_p) - base
    if top == 0:
        raise v.data_error(
            "outcome",
            "leaves the perfect curve on the random line (no area to normalise by)",
            int(x_p[-1]),
            "The score is undefined when the best ranking does no better than random "
            "(e.g. no outcome at all, or every treated unit converted and no control unit).",
        )
    return (_trapezoid(*actual) - base) / top


def _perfect_uplift(y: FloatArray, t: FloatArray) -> tuple[Any, FloatArray]:
    control_responders = np.sum((y == 1) & (t == 0))
    treated_non_responders = np.sum((y == 0) & (t == 1))
    summand = y if control_responders > treated_non_responders else t
    key = (2 * (y == t) + summand).astype(np.int64)
    return _curve(_key_points(key, y, t), "uplift")


def _perfect_qini(y: FloatArray, t: FloatArray, negative_effect: bool) -> tuple[Any, FloatArray]:
    if negative_effect:
        key = (y * t - y * (1.0 - t) + 1.0).astype(np.int64)  # -1, 0, 1 shifted to 0..2
        return _curve(_key_points(key, y, t), "qini")
    random = y[t == 1].sum() - np.count_nonzero(t == 1) * y[t == 0].sum() / np.count_nonzero(t == 0)
    if random < 0:
        raise v.data_error(
            "outcome",
            f"is lower under treatment overall ({random:.4g} responders), which "
            "negative_effect=False rules out",
            y.size,
            "Pass negative_effect=True.",
        )
    return np.array([0, random, y.size]), np.array([0.0, random, random])


def uplift_auc_score(outcome: object, score: object, treatment: object) -> float:
    """Normalised area under the uplift curve (AUUC), as ``sklift.metrics.uplift_auc_score``.

    Parameters
    ----------
    outcome
        Binary outcome per unit (1 = converted, e.g. won back).
    score
        Any score; higher means "target first" (predicted uplift, value at risk, ...).
    treatment
        1 for treated units, 0 for the random control (holdout).

    Returns
    -------
    float
        ``(area(actual) - area(random)) / (area(perfect) - area(random))``: 1 for the
        perfect ranking, 0 for a random one, negative for a harmful one.

    Raises
    ------
    DataError
        NaN or infinite values, unequal lengths, a treatment or outcome that is not 0/1,
        an arm with no unit.

    Examples
    --------
    >>> from growthkit.campaigns import uplift_auc_score
    >>> round(uplift_auc_score([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0]), 4)
    1.0
    """
    y, s, t = _inputs(outcome, score, treatment, binary=True)
    return _score(_curve(_points(y, s, t), "uplift"), _perfect_uplift(y, t))


def qini_auc_score(
    outcome: object, score: object, treatment: object, *, negative_effect: bool = True
) -> float:
    """The Qini coefficient, as ``sklift.metrics.qini_auc_score``.

    Parameters
    ----------
    outcome, score, treatment
        As in :func:`uplift_auc_score`.
    negative_effect
        ``True``: the perfect curve may fall at the end (some units are harmed by
        treatment, "sleeping dogs"); ``False``: Radcliffe's perfect curve without
        negative effects.

    Returns
    -------
    float
        Area between the Qini curve and the random line over that of the perfect curve.

    Raises
    ------
    DataError
        As :func:`uplift_auc_score`.

    Examples
    --------
    >>> from growthkit.campaigns import qini_auc_score
    >>> round(qini_auc_score([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0]), 4)
    0.8333
    """
    _check_flag(negative_effect)
    y, s, t = _inputs(outcome, score, treatment, binary=True)
    return _score(_curve(_points(y, s, t), "qini"), _perfect_qini(y, t, negative_effect))


def _check_flag(negative_effect: object) -> None:
    if not isinstance(negative_effect, bool):
        problem = f"must be True or False, got {negative_effect!r}"
        raise v.schema_error("negative_effect", problem, 1)


def _k_size(k: object, n: int, name: str = "k") -> int | float:
    if isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, float, np.integer, np.floating)):
        raise v.schema_error(name, f"must be an int or a float, got {k!r}", 1)
    if isinstance(k, (int, np.integer)):
        if not 0 < k < n:
            raise v.data_error(
                name, f"is {k}, not between 1 and {n - 1} units", 1, "Pass a smaller count."
            )
        return int(k)
    if not 0.0 < float(k) < 1.0:
        raise v.data_error(name, f"is {k}, not a share in (0, 1)", 1, "Pass e.g. k=0.3.")
    return float(k)


def _uplift_at_k(
    y: FloatArray, s: FloatArray, t: FloatArray, k: int | float, strategy: Strategy
) -> float:
    order = np.argsort(s, kind="mergesort")[::-1]
    y, t = y[order], t[order]
    if strategy == "overall":
        size = int(y.size * k) if isinstance(k, float) else k
        top_y, top_t = y[:size], t[:size]
        treated, control = top_y[top_t == 1], top_y[top_t == 0]
    else:
        n_t, n_c = int(np.count_nonzero(t == 1)), int(np.count_nonzero(t == 0))
        k_t, k_c = (int(n_t * k), int(n_c * k)) if isinstance(k, float) else (k, k)
        for arm, want, have in (("treated", k_t, n_t), ("control", k_c, n_c)):
            if want > have:
                raise v.data_error(
                    "k", f"asks for {want} {arm} units, more than the {have} there are", want
                )
        treated, control = y[t == 1][:k_t], y[t == 0][:k_c]
    for arm, values in (("treated", treated), ("control", control)):
        if values.size == 0:
            raise v.data_error(
                "k",
                f"leaves no {arm} unit among the top {k} (strategy={strategy!r})",
                0,
                "Pass a larger k, or strategy='by_group'.",
            )
    return float(treated.mean() - control.mean())


def uplift_at_k(
    outcome: object,
    score: object,
    treatment: object,
    *,
    k: float = 0.3,
    strategy: Strategy = "overall",
) -> float:
    """Outcome rate of treated minus control units among the top ``k`` by score.

    As ``sklift.metrics.uplift_at_k``.

    Parameters
    ----------
    outcome, score, treatment
        As in :func:`uplift_auc_score`; the outcome may be any number (revenue, say).
    k
        A share in (0, 1) (``int(n * k)`` units) or a count of units.
    strategy
        ``"overall"``: the top ``k`` of all units, then compare the arms within them;
        ``"by_group"``: the top ``k`` of each arm separately (a share ``k`` of each arm).

    Returns
    -------
    float

    Raises
    ------
    DataError
        As :func:`uplift_auc_score`, or a ``k`` that leaves an arm empty or exceeds it.
    SchemaError
        A ``strategy`` other than the two.

    Examples
    --------
    >>> from growthkit.campaigns import uplift_at_k
    >>> uplift_at_k([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0], k=0.5)
    1.0
    """
    strat = v.check_choice("strategy", strategy, STRATEGIES)
    y, s, t = _inputs(outcome, score, treatment, binary=False)
    return _uplift_at_k(y, s, t, _k_size(k, y.size), strat)


@dataclass(frozen=True, slots=True, eq=False)
class UpliftEvaluation(ExactFields):
    """Uplift and Qini curves of a score on randomised data, with their summary scores.

    Attributes
    ----------
    curve
        One row per distinct score (highest first) and the origin: ``n`` (units
        targeted), ``share`` (``n`` over all units), ``uplift`` and ``qini`` (the curves),
        ``uplift_random`` and ``qini_random`` (the random-targeting lines).
    auuc
        Normalised area under the uplift curve (:func:`uplift_auc_score`); ``NaN`` for a
        non-binary outcome.
    qini_coefficient
        :func:`qini_auc_score`; ``NaN`` for a non-binary outcome.
    uplift_at_k
        :func:`uplift_at_k` at ``k`` with ``strategy``.
    k, strategy
        The cut of ``uplift_at_k``.
    n_treated, n_control
        Units per arm.

    Notes
    -----
    Results compare with ``==`` (the curve exactly) and pickle; the curve is read-only.

    Examples
    --------
    >>> from growthkit.campaigns import evaluate_uplift
    >>> ev = evaluate_uplift([1, 0, 1, 0], [0.9, 0.1, 0.4, 0.6], [1, 1, 0, 0], k=0.5)
    >>> ev.curve["n"].tolist(), ev.curve["qini"].tolist()
    ([0, 1, 2, 3, 4], [0.0, 1.0, 1.0, 0.5, 0.0])
    >>> print(ev)  # doctest: +NORMALIZE_WHITESPACE
    auuc                1
    qini_coefficient    0.8333
    uplift_at_0.5       1
    n_treated           2
    n_control           2
    """

    curve: pd.DataFrame
    auuc: float
    qini_coefficient: float
    uplift_at_k: float
    k: float
    strategy: str
    n_treated: int
    n_control: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "curve", frozen(self.curve))

    def __hash__(self) -> int:
        return hash((self.k, self.strategy, self.n_treated, self.n_control))

    def to_frame(self) -> pd.DataFrame:
        """The curves (a copy), one row per curve point."""
        return self.curve.copy()

    def summary(self) -> pd.Series:
        """The summary scores as a Series."""
        return pd.Series(
            {
                "auuc": self.auuc,
                "qini_coefficient": self.qini_coefficient,
                f"uplift_at_{self.k:g}": self.uplift_at_k,
                "n_treated": self.n_treated,
                "n_control": self.n_control,
            },
            name="uplift evaluation",
        )

    def __str__(self) -> str:
        return self.summary().to_string(float_format=fmt)

    def plot(self, *, kind: CurveKind = "qini", ax: Axes | None = None) -> Axes:
        """The curve with its random line (:func:`growthkit.plotting.plot_uplift`)."""
        from growthkit.plotting import plot_uplift

        return plot_uplift(self, kind=kind, ax=ax)


def evaluate_uplift(
    outcome: object,
    score: object,
    treatment: object,
    *,
    k: float = 0.3,
    strategy: Strategy = "overall",
    negative_effect: bool = True,
) -> UpliftEvaluation:
    """Evaluate how well ``score`` ranks units by their response to treatment.

    Parameters
    ----------
    outcome
        Outcome per unit: binary (won back) for every field, or any number (revenue) for
        the curves and ``uplift_at_k`` (``auuc`` and ``qini_coefficient`` are then NaN).
    score
        Any score; higher means "target first".
    treatment
        1 for treated, 0 for the random control.
    k, strategy
        As in :func:`uplift_at_k`.
    negative_effect
        As in :func:`qini_auc_score`.

    Returns
    -------
    UpliftEvaluation

    Raises
    ------
    DataError
        As :func:`uplift_auc_score` (a non-binary outcome only leaves the normalised
        scores NaN) and :func:`uplift_at_k`.

    Examples
    --------
    >>> import numpy as np
    >>> from growthkit.campaigns import evaluate_uplift
    >>> rng = np.random.default_rng(0)
    >>> t = rng.integers(0, 2, 2_000)
    >>> gain = rng.uniform(0, 0.4, 2_000)            # each unit's true uplift
    >>> y = (rng.uniform(size=2_000) < 0.1 + gain * t).astype(int)
    >>> ev = evaluate_uplift(y, gain, t)
    >>> bool(ev.qini_coefficient > 0), list(ev.curve.columns)
    (True, ['n', 'share', 'uplift', 'qini', 'uplift_random', 'qini_random'])
    """
    strat = v.check_choice("strategy", strategy, STRATEGIES)
    _check_flag(negative_effect)
    y, s, t = _inputs(outcome, score, treatment, binary=False)
    binary = bool(np.all((y == 0) | (y == 1)))
    points = _points(y, s, t)
    x, up = _curve(points, "uplift")
    _, qi = _curve(points, "qini")
    if binary:
        auuc = _score((x, up), _perfect_uplift(y, t))
        qini = _score((x, qi), _perfect_qini(y, t, negative_effect))
    else:
        auuc = qini = float("nan")
    cut = _k_size(k, y.size)
    at_k = _uplift_at_k(y, s, t, cut, strat)
    n = y.size
    share = x / n
    curve = pd.DataFrame(
        {
            "n": x.astype(np.int64),
            "share": share,
            "uplift": up,
            "qini": qi,
            "uplift_random": share * up[-1],
            "qini_random": share * qi[-1],
        }
    )
    n_treated = int(np.count_nonzero(t))
    return UpliftEvaluation(
        curve=freeze(curve),
        auuc=auuc,
        qini_coefficient=qini,
        uplift_at_k=at_k,
        k=float(cut),
        strategy=strat,
        n_treated=n_treated,
        n_control=n - n_treated,
    )
