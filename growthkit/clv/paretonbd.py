"""Pareto/NBD purchase model (Schmittlein, Morrison & Colombo 1987)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from growthkit._kernels import clv as _kernels
from growthkit.clv import _simulate
from growthkit.clv._base import FloatArray, IntArray, Objective, PurchaseModel

__all__ = ["ParetoNBD"]


class _Pairs:
    """Distinct (x, t_x) and (x, T) pairs of a summary and each row's index into them."""

    __slots__ = ("it", "ix", "pt", "px", "t", "tx", "x")

    def __init__(self, x: FloatArray, tx: FloatArray, t: FloatArray) -> None:
        self.x = np.ascontiguousarray(x)
        self.tx = np.ascontiguousarray(tx)
        self.t = np.ascontiguousarray(t)
        both_x = np.concatenate([self.x, self.x])
        both_t = np.concatenate([self.tx, self.t])
        factorize: Any = pd.factorize
        t_codes = factorize(both_t)[0]
        # Codes, not the frequencies themselves: a huge (valid) frequency would overflow
        # the int64 key or the conversion to int.
        x_codes, x_uniques = factorize(both_x)
        key = np.asarray(t_codes, dtype=np.int64) * len(x_uniques) + x_codes
        group, uniques = factorize(key)
        first = np.empty(len(uniques), dtype=np.int64)
        first[group[::-1]] = np.arange(group.size - 1, -1, -1)
        self.px = np.ascontiguousarray(both_x[first])
        self.pt = np.ascontiguousarray(both_t[first])
        self.ix = np.ascontiguousarray(group[: x.size], dtype=np.int64)
        self.it = np.ascontiguousarray(group[x.size :], dtype=np.int64)

    def alive(self, p: FloatArray) -> FloatArray:
        """P(alive | x, t_x, T) per row (no gradient)."""
        r, alpha, s, beta = (float(v) for v in p)
        lj = np.ascontiguousarray(_kernels.pareto_log_j(r, alpha, s, beta, self.px, self.pt)[:, 0])
        out: FloatArray = _kernels.pareto_alive(
            r, alpha, s, beta, self.x, self.tx, self.t, lj, self.ix, self.it
        )
        return out

    def evaluate(self, p: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Mixture log-likelihood rows, P(alive) and the weighted gradient (summed)."""
        r, alpha, s, beta = (float(v) for v in p)
        j = _kernels.pareto_log_j(r, alpha, s, beta, self.px, self.pt)
        ll, alive, grad = _kernels.pareto_rows(
            r, alpha, s, beta, self.x, self.tx, self.t, w, j, j, self.ix, self.it
        )
        return ll, alive, grad.sum(axis=0)


def _neg_ll_grad(
    p: FloatArray,
    pairs: _Pairs,
    w: FloatArray,
    ux: FloatArray,
    wx: FloatArray,
) -> tuple[float, FloatArray]:
    r, alpha, s, beta = (float(v) for v in p)
    mix, _, g = pairs.evaluate(p, w)
    w_total = float(wx.sum())
    ll = (
        float(wx @ special.gammaln(r + ux))
        + float(w @ mix)
        + w_total * (-special.gammaln(r) + r * np.log(alpha) + s * np.log(beta))
    )
    g = g.copy()
    g[0] += float(wx @ special.digamma(r + ux)) + w_total * (np.log(alpha) - special.digamma(r))
    g[1] += w_total * r / alpha
    g[2] += w_total * np.log(beta)
    g[3] += w_total * s / beta
    return -ll, -np.asarray(g, dtype=np.float64)


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class ParetoNBD(PurchaseModel):
    """Pareto/NBD purchase model, fitted or with given parameters.

    While alive a customer buys as a Poisson process with rate ``lambda ~ Gamma(r, alpha)``
    and has an exponential lifetime with rate ``mu ~ Gamma(s, beta)``.

    Attributes
    ----------
    r, alpha, s, beta
        Parameters (``alpha`` and ``beta`` in the time unit of the data).
    log_likelihood
        Maximised log-likelihood (NaN for a model built from given parameters).
    n_customers
        Number of customers it was fitted on.
    covariance
        Inverse observed information matrix in (r, alpha, s, beta), read-only.

    Notes
    -----
    The likelihood of one customer (Fader & Hardie 2005, "A note on deriving the Pareto/NBD
    model and related expressions", section 3) is::

        Gamma(r+x) alpha^r beta^s / Gamma(r) *
        [(alpha+T)^-(r+x) (beta+T)^-s + J(t_x) - J(T)],
        J(t) = int_t^inf s (beta+u)^-(s+1) (alpha+u)^-(r+x) du

    where ``J`` is the Gauss hypergeometric term ``s/(r+s+x) A_0`` of the note. growthkit
    evaluates ``log J`` with the Euler-transformed series ``2F1(1, c; r+s+x+1; z)`` with
    ``c = r+x`` (``alpha >= beta``) or ``c = s+1`` (``alpha < beta``): its terms are positive
    and shrink by at least ``z < 1`` per step, so neither large frequencies nor long T
    overflow, and the same loop yields the analytic gradient. The difference
    ``J(t_x) - J(T)`` is formed in log space with ``log1p``.

    Predictions (the note, sections 4-6): ``probability_alive`` is the share of the first
    term of the bracket; ``expected_purchases`` is ``P(alive) (r+x)(beta+T) / ((alpha+T)
    (s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]`` and ``expected_purchases_new_customer``
    ``r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]``, both written with
    ``expm1``/``log1p`` so that ``s`` near 1 is stable.

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who
    are they and what will they do next? *Management Science* 33(1), 1-24.

    Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
    related expressions. http://brucehardie.com/notes/009/

    Examples
    --------
    >>> import growthkit as gk
    >>> from growthkit.clv import ParetoNBD
    >>> model = ParetoNBD.fit(gk.datasets.load_cdnow_summary())
    >>> {k: round(v, 3) for k, v in model.params.items()}
    {'r': 0.553, 'alpha': 10.578, 's': 0.606, 'beta': 11.668}
    >>> round(model.log_likelihood, 1)
    -9595.0
    """

    r: float
    alpha: float
    s: float
    beta: float

    _param_names = ("r", "alpha", "s", "beta")

    @classmethod
    def _objective(cls, x: FloatArray, tx: FloatArray, t: FloatArray, w: FloatArray) -> Objective:
        ux, inv = np.unique(x, return_inverse=True)
        wx = np.asarray(np.bincount(inv, weights=w), dtype=np.float64)
        pairs = _Pairs(x, tx, t)
        return lambda p: _neg_ll_grad(p, pairs, w, ux, wx)

    @classmethod
    def _start(cls, mean_x: float, mean_t: float) -> dict[str, float]:
        # r = s = 1, alpha from the mean purchase rate, beta = mean T.
        return {
            "r": 1.0,
            "alpha": max(mean_t / max(mean_x, 0.1), 1e-3),
            "s": 1.0,
            "beta": max(mean_t, 1e-3),
        }

    def _p_alive(self, x: FloatArray, tx: FloatArray, t: FloatArray) -> FloatArray:
        return _Pairs(x, tx, t).alive(np.array([self.r, self.alpha, self.s, self.beta]))

    def _draw(self, gen: np.random.Generator, t: FloatArray) -> tuple[IntArray, FloatArray]:
        return _simulate.pareto_nbd(gen, t, self.r, self.alpha, self.s, self.beta)

    def _probability_alive(
        self, x: FloatArray, tx: FloatArray, t: FloatArray, horizon: FloatArray
    ) -> FloatArray:
        """P(alive at T) times the probability of surviving ``horizon`` more periods.

        P(alive at T) follows Schmittlein et al. (1987) and the Fader & Hardie (2005) note,
        section 5; the survival factor is ``((beta+T)/(beta+T+horizon))^s``.
        """
        alive = self._p_alive(x, tx, t)
        surv = np.exp(-self.s * np.log1p(horizon / (self.beta + t)))
        return np.asarray(alive * surv, dtype=np.float64)

    def _expected_purchases(
        self, horizon: FloatArray, x: FloatArray, tx: FloatArray, tt: FloatArray
    ) -> FloatArray:
        """Conditional expected purchases (Fader & Hardie 2005 note, section 6).

        ``P(alive) (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]``
        (Schmittlein et al. 1987), written with ``expm1``/``log1p`` so that ``s`` near 1
        is stable.
        """
        alive = self._p_alive(x, tx, tt)
        rate = (self.r + x) / (self.alpha + tt)
        return np.asarray(
            alive * rate * _lifetime_integral(self.s, self.beta + tt, horizon), dtype=np.float64
        )

    def _new_customer(self, flat: FloatArray) -> FloatArray:
        """Expected repeat purchases of a new customer (Fader & Hardie 2005 note, section 4).

        ``r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]`` (Schmittlein et al. 1987).
        """
        return (
            self.r / self.alpha * _lifetime_integral(self.s, np.full(flat.shape, self.beta), flat)
        )


def _lifetime_integral(s: float, b: FloatArray, t: FloatArray) -> FloatArray:
    """Return ``int_0^t (b/(b+u))^s du``, the expected time alive in ``t``, stable near s = 1."""
    log_ratio = np.log1p(t / b)
    c = s - 1.0
    if abs(c) < 1e-12:
        return np.asarray(b * log_ratio, dtype=np.float64)
    return np.asarray(-b * np.expm1(-c * log_ratio) / c, dtype=np.float64)
